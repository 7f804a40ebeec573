// `npm run bench`: the cost of Tether's certificate-bound path, measured side by side on loopback.
// Starts nginx (a trivial upstream and a TLS reverse proxy), the test IdP and Tether, then runs the
// scenarios interleaved, round after round, with a client presenting a client certificate over
// keep-alive connections. Prints requests/s, p50 and p99 per scenario (median over rounds) and the
// ratios. Scenarios 3-6 and 9-12 run on the default forwarder (undici), 7-8 on http-proxy, side by side;
// 10 and 11 are scenario 4 with the prometheus plugin and with file-log (issue 9); 12 is DPoP (RFC 9449);
// 15-17 are HTTP/2 (nginx h2 and Tether h2 pass-through, Tether h2 bound).
// 18-19 are the balancer's cost (issue 13): scenario 3's pass-through on a service whose host is
// an upstream, with one target (the same nginx) and with three (round-robin over 127.0.0.1-3);
// 20 is their control, the same route shape on a service aimed at the host.
// Tether's own CPU time per request (from /proc, workers included) is printed beside: on a small
// machine where the load client competes for the cores it is steadier than requests per second.
// Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_WORKERS (1),
// BENCH_ONLY (a comma-separated list of scenario numbers: run just those, e.g. 4,10,11).
// 13 and 14 are TLS handshakes per second with a client certificate, full and resumed, nginx and
// Tether side by side (handshake.ts; BENCH_HANDSHAKE_CLIENTS (8), BENCH_TLS (1.3 or 1.2)).
import { execFile } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { CLIENTS, OPAQUE_RESOURCE, ES256_RESOURCE, startIdp } from "../../test/fixtures/idp/index.ts";
import { createPki } from "../../test/fixtures/pki/index.ts";
import { adminJson, startTether } from "../../test/helpers/tether.ts";
import { generateKeyPair } from "dpop";
import { exportJWK } from "jose";
import type { LoadResult, LoadSpec } from "./load.ts";
import { nginxAvailable, startNginx } from "./nginx.ts";
import { runHandshakeBench } from "./handshake.ts";

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 5);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 32);
const WORKERS = Number(process.env["BENCH_WORKERS"] ?? 1);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", import.meta.resolve("tsx"), new URL("./load.ts", import.meta.url).pathname, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout.trim().split("\n").pop()!) as LoadResult),
    );
  });
}

/**
 * CPU seconds used so far by a process and its descendants (workers), from /proc: on a machine
 * where the load client shares the cores, CPU per request is steadier than requests per second.
 */
function cpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the parenthesised command: state ppid ... utime(14) stime(15), counted from 1.
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stats) if (!tree.has(pid) && tree.has(s.ppid)) grew = tree.add(pid).size > 0;
  }
  let ticks = 0;
  for (const pid of tree) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks / 100; // USER_HZ is 100 on Linux
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!nginxAvailable()) {
    console.error("nginx is required for the side-by-side baseline: apt-get install nginx-light");
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), "tether-bench-"));
  const pki = createPki();
  const idp = await startIdp({ pki });
  const nginx = await startNginx({ dir: join(dir, "nginx"), workers: WORKERS, cert: pki.server.certPath, key: pki.server.keyPath, upstreamPort: await freePort(), tlsPort: await freePort(), handshakePort: await freePort(), h2Port: await freePort() });
  const tether = await startTether({
    env: { TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath, TETHER_WORKERS: String(WORKERS) },
  });
  // The same gateway on the http-proxy engine, measured beside the default (undici) (issue 5).
  const tetherHttpProxy = await startTether({
    env: { TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath, TETHER_WORKERS: String(WORKERS), TETHER_FORWARDER: "http-proxy" },
  });
  try {
    const upstream = `http://127.0.0.1:${nginx.upstreamPort}`;
    for (const t of [tether, tetherHttpProxy]) {
      await adminJson(t, "POST", "/services", { name: "bench", url: upstream });
      await adminJson(t, "POST", "/services/bench/routes", { name: "pass", paths: ["/pass"] });
    }
    const oidc = async (t: typeof tether, name: string, path: string, config: Record<string, unknown>) => {
      await adminJson(t, "POST", "/services", { name, url: upstream });
      await adminJson(t, "POST", `/services/${name}/routes`, { paths: [path] });
      await adminJson(t, "POST", `/services/${name}/plugins`, { name: "tls-handshake-modifier" });
      const res = await adminJson(t, "POST", `/services/${name}/plugins`, { name: "openid-connect", config: { issuer: idp.issuer, proof_of_possession_mtls: "strict", ...config } });
      if (res.status !== 201) console.warn(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    for (const t of [tether, tetherHttpProxy]) await oidc(t, "bound", "/bound", { auth_methods: ["bearer"] });
    // Issue 13: scenario 3's route on upstreams instead of the host itself.
    for (const [name, hosts] of [["bench-one.upstream", ["127.0.0.1"]], ["bench-three.upstream", ["127.0.0.1", "127.0.0.2", "127.0.0.3"]]] as const) {
      await adminJson(tether, "POST", "/upstreams", { name });
      for (const host of hosts) await adminJson(tether, "POST", `/upstreams/${name}/targets`, { target: `${host}:${nginx.upstreamPort}` });
      await adminJson(tether, "POST", "/services", { name, host: name, port: nginx.upstreamPort });
      await adminJson(tether, "POST", `/services/${name}/routes`, { paths: [`/${name.split(".")[0]}`] });
    }
    // Their control: the same route shape (a prefix stripped), the service aimed at the host itself.
    await adminJson(tether, "POST", "/services", { name: "bench-direct", host: "127.0.0.1", port: nginx.upstreamPort });
    await adminJson(tether, "POST", "/services/bench-direct/routes", { paths: ["/bench-direct"] });
    // Issue 9: the same bound path with the prometheus plugin (all of Kong's metric families on), and
    // with file-log writing every request to a real file, each on its own service beside scenario 4.
    await oidc(tether, "bound-metrics", "/bound-metrics", { auth_methods: ["bearer"] });
    await adminJson(tether, "POST", "/services/bound-metrics/plugins", { name: "prometheus", config: { status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true } });
    await oidc(tether, "bound-file-log", "/bound-file-log", { auth_methods: ["bearer"] });
    await adminJson(tether, "POST", "/services/bound-file-log/plugins", { name: "file-log", config: { path: join(dir, "file-log.json") } });
    await oidc(tether, "dpop", "/dpop", { auth_methods: ["bearer"], proof_of_possession_mtls: "off", proof_of_possession_dpop: "strict" });
    await oidc(tether, "introspected", "/introspected", { auth_methods: ["introspection"], client_id: [CLIENTS.gateway.clientId], client_secret: [CLIENTS.gateway.clientSecret] });
    const token = async (resource?: string) => {
      const res = await idp.token({ ...CLIENTS.certBound, cert: pki.clients.alice, ...(resource ? { resource } : {}) });
      return res.body.access_token as string;
    };
    const dpopKey = await generateKeyPair("ES256", { extractable: true });
    const dpop = { privateJwk: await exportJWK(dpopKey.privateKey), publicJwk: await exportJWK(dpopKey.publicKey), token: (await idp.dpopToken({ key: dpopKey })).body.access_token as string };
    const cert = { certPath: pki.clients.alice.certPath, keyPath: pki.clients.alice.keyPath, servername: "localhost" };
    const tls = `https://127.0.0.1`;
    const scenarios: { id: number; name: string; spec: Omit<LoadSpec, "durationMs" | "warmupMs" | "connections"> }[] = [
      { id: 1, name: "direct to the upstream (http)", spec: { url: `${upstream}/pass` } },
      { id: 2, name: "nginx TLS pass-through", spec: { url: `${tls}:${nginx.tlsPort}/pass`, ...cert } },
      { id: 3, name: "Tether TLS pass-through (route, no plugins)", spec: { url: `${tls}:${tether.httpsPort}/pass`, ...cert } },
      { id: 4, name: "Tether bearer RS256 + PoP strict", spec: { url: `${tls}:${tether.httpsPort}/bound`, headers: { authorization: `Bearer ${await token()}` }, ...cert } },
      { id: 5, name: "Tether bearer ES256 + PoP strict", spec: { url: `${tls}:${tether.httpsPort}/bound`, headers: { authorization: `Bearer ${await token(ES256_RESOURCE)}` }, ...cert } },
      // Control: the pass-through route with the same bearer header as 4, so 4 vs 9 is the plugins' own cost.
      { id: 9, name: "Tether TLS pass-through carrying 4's bearer header (no plugins)", spec: { url: `${tls}:${tether.httpsPort}/pass`, headers: { authorization: `Bearer ${await token()}` }, ...cert } },
      { id: 7, name: "Tether TLS pass-through, http-proxy forwarder", spec: { url: `${tls}:${tetherHttpProxy.httpsPort}/pass`, ...cert } },
      { id: 8, name: "Tether bearer RS256 + PoP strict, http-proxy forwarder", spec: { url: `${tls}:${tetherHttpProxy.httpsPort}/bound`, headers: { authorization: `Bearer ${await token()}` }, ...cert } },
      { id: 10, name: "Tether bearer RS256 + PoP strict + prometheus", spec: { url: `${tls}:${tether.httpsPort}/bound-metrics`, headers: { authorization: `Bearer ${await token()}` }, ...cert } },
      { id: 11, name: "Tether bearer RS256 + PoP strict + file-log", spec: { url: `${tls}:${tether.httpsPort}/bound-file-log`, headers: { authorization: `Bearer ${await token()}` }, ...cert } },
      // A fresh ES256 proof per request (made by the load client): proof verification + replay memory.
      { id: 12, name: "Tether bearer RS256 + DPoP strict (fresh proof per request)", spec: { url: `${tls}:${tether.httpsPort}/dpop`, dpop } },
      // HTTP/2 (issue 11), both with the client certificate: 8 streams per connection, same in-flight count.
      { id: 15, name: "nginx h2 TLS pass-through", spec: { url: `${tls}:${nginx.h2Port}/pass`, h2: true, ...cert } },
      { id: 16, name: "Tether h2 TLS pass-through", spec: { url: `${tls}:${tether.httpsPort}/pass`, h2: true, ...cert } },
      { id: 17, name: "Tether h2 bearer RS256 + PoP strict", spec: { url: `${tls}:${tether.httpsPort}/bound`, h2: true, headers: { authorization: `Bearer ${await token()}` }, ...cert } },
      { id: 18, name: "Tether TLS pass-through, service on an upstream (1 target)", spec: { url: `${tls}:${tether.httpsPort}/bench-one/pass`, ...cert } },
      { id: 19, name: "Tether TLS pass-through, service on an upstream (3 targets, round-robin)", spec: { url: `${tls}:${tether.httpsPort}/bench-three/pass`, ...cert } },
      { id: 20, name: "Tether TLS pass-through, the same route shape as 18-19, service on the host", spec: { url: `${tls}:${tether.httpsPort}/bench-direct/pass`, ...cert } },
      { id: 6, name: "Tether introspection (cached) + PoP strict", spec: { url: `${tls}:${tether.httpsPort}/introspected`, headers: { authorization: `Bearer ${await token(OPAQUE_RESOURCE)}` }, ...cert } },
    ];
    // Every scenario must answer 200 before it is measured: a benchmark of 401s measures nothing.
    await new Promise((r) => setTimeout(r, 1000));
    const only = process.env["BENCH_ONLY"]?.split(",").map(Number);
    const usable = [];
    for (const s of scenarios.filter((s) => !only || only.includes(s.id))) {
      // A second, not less: on a loaded machine the first handshakes alone can take hundreds of ms.
      const probe = await load({ ...s.spec, connections: 1, durationMs: 1000, warmupMs: 100 });
      if (probe.statuses["200"] && Object.keys(probe.statuses).length === 1 && probe.errors === 0) usable.push(s);
      else console.warn(`scenario ${s.id} (${s.name}) skipped: probe answered ${JSON.stringify(probe.statuses)} errors=${probe.errors}`);
    }
    // The Tether process (with its workers) behind a scenario's port, for its CPU per request.
    const gatewayPid = new Map([tether, tetherHttpProxy].map((t) => [t.httpsPort, t.process.pid!]));
    const results = new Map<number, (LoadResult & { cpuUs: number })[]>();
    for (let round = 1; round <= ROUNDS; round++)
      for (const s of usable) {
        const pid = gatewayPid.get(Number(new URL(s.spec.url).port));
        const before = pid ? cpuSeconds(pid) : 0;
        const r = await load({ ...s.spec, connections: CONNECTIONS, durationMs: SECONDS * 1000, warmupMs: 1000 });
        // The warm-up second is served too: requests ≈ rps × (SECONDS + 1).
        const cpuUs = pid ? ((cpuSeconds(pid) - before) / (r.rps * (SECONDS + 1))) * 1e6 : NaN;
        results.set(s.id, [...(results.get(s.id) ?? []), { ...r, cpuUs }]);
        process.stderr.write(`round ${round} scenario ${s.id}: ${r.rps} req/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms gateway CPU ${cpuUs.toFixed(0)} µs/req ${JSON.stringify(r.statuses)}\n`);
      }
    const summary = new Map<number, { rps: number; p50: number; p99: number; cpuUs: number }>();
    for (const [id, rs] of results)
      summary.set(id, { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50Ms)), p99: median(rs.map((r) => r.p99Ms)), cpuUs: median(rs.map((r) => r.cpuUs)) });
    console.log(`\nTether benchmark — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    console.log(`${CONNECTIONS} keep-alive connections, ${SECONDS} s × ${ROUNDS} interleaved rounds (medians), ${WORKERS} worker(s) for nginx and Tether\n`);
    console.log("| # | scenario | req/s | p50 ms | p99 ms | Tether CPU µs/req |\n|---|---|---:|---:|---:|---:|");
    for (const s of usable) {
      const m = summary.get(s.id)!;
      console.log(`| ${s.id} | ${s.name} | ${m.rps} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${Number.isNaN(m.cpuUs) ? "—" : m.cpuUs.toFixed(0)} |`);
    }
    const ratio = (a: number, b: number) => (summary.has(a) && summary.has(b) ? (summary.get(a)!.rps / summary.get(b)!.rps).toFixed(2) : "n/a");
    const p99gap = summary.has(4) && summary.has(3) ? (summary.get(4)!.p99 - summary.get(3)!.p99).toFixed(2) : "n/a";
    console.log(`\nratios (req/s): 3/2 = ${ratio(3, 2)}   4/2 = ${ratio(4, 2)}   4/3 = ${ratio(4, 3)}   p99(4) − p99(3) = ${p99gap} ms   undici/http-proxy (3/7) = ${ratio(3, 7)}`);
    console.log(`plugins' own cost: 4/9 = ${ratio(4, 9)}   header bytes' cost: 9/3 = ${ratio(9, 3)}`);
    // Paired: each round's scenario against the same round's 4, then the median of those ratios,
    // so a machine that speeds up or slows down between rounds does not pass for a cost.
    const paired = (a: number, b: number, of: (r: LoadResult & { cpuUs: number }) => number) => {
      const [as, bs] = [results.get(a), results.get(b)];
      return as && bs ? median(as.map((r, i) => of(r) / of(bs[i]!))).toFixed(3) : "n/a";
    };
    console.log(`observability's cost on the bound path (4), medians of per-round ratios: req/s prometheus 10/4 = ${paired(10, 4, (r) => r.rps)}, file-log 11/4 = ${paired(11, 4, (r) => r.rps)}; Tether CPU per request prometheus 10/4 = ${paired(10, 4, (r) => r.cpuUs)}, file-log 11/4 = ${paired(11, 4, (r) => r.cpuUs)}`);
    console.log(`HTTP/2: Tether/nginx 16/15 = ${ratio(16, 15)} (paired ${paired(16, 15, (r) => r.rps)})   bound/pass-through 17/16 = ${ratio(17, 16)} (paired ${paired(17, 16, (r) => r.rps)})   h2/h1 pass-through 16/3 = ${ratio(16, 3)}`);
    console.log(`balancer: 1 target/host 18/20 = ${ratio(18, 20)} (paired ${paired(18, 20, (r) => r.rps)}, CPU per request ${paired(18, 20, (r) => r.cpuUs)})   3 targets/host 19/20 = ${ratio(19, 20)} (paired ${paired(19, 20, (r) => r.rps)}, CPU per request ${paired(19, 20, (r) => r.cpuUs)})   route shape 20/3 = ${ratio(20, 3)}`);
    console.log(`http-proxy engine: 7/2 = ${ratio(7, 2)}   8/7 = ${ratio(8, 7)}   p99(8) − p99(7) = ${summary.has(8) && summary.has(7) ? (summary.get(8)!.p99 - summary.get(7)!.p99).toFixed(2) : "n/a"} ms`);
    // Issue 11: /pass on the default Tether, whose bound routes (no snis) ask every handshake for a certificate.
    await runHandshakeBench({
      ...(only ? { only } : {}), rounds: ROUNDS, seconds: SECONDS, workers: WORKERS, clients: Number(process.env["BENCH_HANDSHAKE_CLIENTS"] ?? 8),
      tls: process.env["BENCH_TLS"] === "1.2" ? "1.2" : "1.3", host: "127.0.0.1", path: "/pass", certPath: cert.certPath, keyPath: cert.keyPath,
      nginx: { port: nginx.handshakePort!, pid: nginx.pid }, tether: { port: tether.httpsPort, pid: tether.process.pid! }, cpuSeconds,
    });
  } finally {
    await tetherHttpProxy.stop();
    await tether.stop();
    await nginx.stop();
    await idp.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  }
}

await main();
