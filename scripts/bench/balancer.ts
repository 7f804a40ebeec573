// `node --import tsx scripts/bench/balancer.ts`: the balancer's own work per request (issue 13),
// in process: the hash key, the lease (target pick, in-flight count) and its end (passive health),
// per algorithm, beside the end-to-end scenarios 18-19 of run.ts, whose differences a loaded
// machine's noise can hide.
import { fillNulls, upstreamSchema, validateRecord, type ConfigData, type Service, type Target, type Upstream } from "@tether/core";
import { Balancing } from "../../packages/proxy/src/balancer/balancing.ts";
import { compileBalancers, type CompiledBalancer } from "../../packages/proxy/src/balancer/compile-balancers.ts";
import { hashKeyOf, type HashInput } from "../../packages/proxy/src/balancer/hash-key.ts";

const UPSTREAM_ID = "7d1c3a3e-0f7e-4b8e-9a59-1f6a3b7c0d01";

function balancer(fields: Record<string, unknown>, targets: number): CompiledBalancer {
  const input: Record<string, unknown> = { id: UPSTREAM_ID, created_at: 1, updated_at: 1, name: "u.bench", ...fields };
  const invalid = validateRecord(upstreamSchema, input); // fills Kong's defaults in
  if (invalid) throw new Error(JSON.stringify(invalid));
  const upstream = fillNulls(input, upstreamSchema) as unknown as Upstream;
  const service = { id: "svc", host: "u.bench", port: 80, retries: 5 } as Service;
  const list = Array.from({ length: targets }, (_, i) => ({ id: `t${i}`, created_at: i, upstream: { id: UPSTREAM_ID }, target: `10.0.0.${i + 1}:80`, weight: 100 }) as Target);
  const data = { services: [service], upstreams: [upstream], targets: list } as unknown as Pick<ConfigData, "services" | "upstreams" | "targets">;
  return compileBalancers(data).get("svc")!;
}

/**
 * Mean CPU time (not wall time: steadier on a machine others load) of one request's balancing,
 * over ~300 ms of requests after a warm-up.
 */
function nsPerRequest(b: CompiledBalancer, inputs: HashInput[]): number {
  const state = new Balancing();
  const until = (ms: number): number => {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const end = process.hrtime.bigint() + BigInt(ms * 1e6);
    while (process.hrtime.bigint() < end)
      for (let k = 0; k < 100; k++) state.lease(b, hashKeyOf(b.upstream, inputs[n++ % inputs.length]!))?.end({ kind: "status", status: 200 });
    const { user, system } = process.cpuUsage(cpu0);
    return ((user + system) * 1000) / n;
  };
  until(100);
  return until(300);
}

const inputs = Array.from({ length: 1000 }, (_, i): HashInput => ({
  headers: { "x-user": `user-${i}` },
  clientIp: "127.0.0.1",
  consumerId: undefined,
  path: "/",
  query: "",
  captures: undefined,
}));
const passive = { healthchecks: { passive: { unhealthy: { http_failures: 5, tcp_failures: 2 } } } };
const cases: [string, CompiledBalancer][] = [
  ["round-robin, 1 target", balancer({}, 1)],
  ["round-robin, 3 targets", balancer({}, 3)],
  ["round-robin, 3 targets, passive health checks", balancer(passive, 3)],
  ["least-connections, 3 targets", balancer({ algorithm: "least-connections" }, 3)],
  ["consistent-hashing on a header, 3 targets", balancer({ hash_on: "header", hash_on_header: "x-user" }, 3)],
  ["consistent-hashing on a header, 30 targets", balancer({ hash_on: "header", hash_on_header: "x-user" }, 30)],
];
console.log("| balancer | CPU ns per request |\n|---|---:|");
for (const [name, b] of cases) console.log(`| ${name} | ${nsPerRequest(b, inputs).toFixed(0)} |`);
