// `node --import tsx scripts/bench/profile.ts [pass|balanced|bound|metrics|file-log]`: runs one scenario against Tether under
// `node --cpu-prof` and prints where the proxy's CPU time goes (self time by function), so a missed
// benchmark target comes with the reason.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CLIENTS, startIdp } from "../../test/fixtures/idp/index.ts";
import { createPki } from "../../test/fixtures/pki/index.ts";
import { adminJson } from "../../test/helpers/tether.ts";
import { runLoad } from "./load.ts";
import { startNginx } from "./nginx.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Self time per function (by name and file), as a share of all samples. */
export function summarise(profilePath: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as { nodes: ProfileNode[] };
  const total = profile.nodes.reduce((n, node) => n + node.hitCount, 0);
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const file = node.callFrame.url.replace(/^.*\/(node_modules\/|packages\/)/, "$1") || "(native)";
    const key = `${node.callFrame.functionName || "(anonymous)"}  ${file}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.hitCount);
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

async function main(scenario: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tether-profile-"));
  const pki = createPki();
  const idp = await startIdp({ pki });
  const nginx = await startNginx({ dir: join(dir, "nginx"), workers: 1, cert: pki.server.certPath, key: pki.server.keyPath, upstreamPort: await freePort(), tlsPort: await freePort() });
  const child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--import", import.meta.resolve("tsx"), new URL("../../packages/cli/src/main.ts", import.meta.url).pathname, "start"], {
    env: { ...process.env, TETHER_PREFIX: join(dir, "data"), TETHER_ADMIN_LISTEN: "127.0.0.1:0", TETHER_PROXY_LISTEN: "127.0.0.1:0 ssl", TETHER_STATUS_LISTEN: "off", TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ports: Record<string, number> = {};
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const log = JSON.parse(line) as { msg: string; port: number };
      if (log.msg === "admin listening") ports["admin"] = log.port;
      if (log.msg === "proxy listening") ports["proxy"] = log.port;
      if (ports["admin"] && ports["proxy"]) resolve();
    }),
  );
  const t = { admin: `http://127.0.0.1:${ports["admin"]}` };
  // `balanced`: the pass-through on a service whose host is an upstream with one target (issue 13).
  if (scenario === "balanced") {
    await adminJson(t, "POST", "/upstreams", { name: "s.upstream" });
    await adminJson(t, "POST", "/upstreams/s.upstream/targets", { target: `127.0.0.1:${nginx.upstreamPort}` });
  }
  await adminJson(t, "POST", "/services", { name: "s", url: `http://${scenario === "balanced" ? "s.upstream" : "127.0.0.1"}:${nginx.upstreamPort}` });
  await adminJson(t, "POST", "/services/s/routes", { paths: ["/"] });
  const headers: Record<string, string> = {};
  if (scenario !== "pass" && scenario !== "balanced") {
    await adminJson(t, "POST", "/services/s/plugins", { name: "tls-handshake-modifier" });
    await adminJson(t, "POST", "/services/s/plugins", { name: "openid-connect", config: { issuer: idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } });
    headers["authorization"] = `Bearer ${(await idp.token({ ...CLIENTS.certBound, cert: pki.clients.alice })).body.access_token}`;
  }
  // The bound path with an observer: Kong's metrics (every family on), or a file-log line per request.
  if (scenario === "metrics") await adminJson(t, "POST", "/services/s/plugins", { name: "prometheus", config: { status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true } });
  if (scenario === "file-log") await adminJson(t, "POST", "/services/s/plugins", { name: "file-log", config: { path: join(dir, "file-log.json") } });
  await new Promise((r) => setTimeout(r, 1000));
  const result = await runLoad({ url: `https://127.0.0.1:${ports["proxy"]}/x`, connections: 32, durationMs: 8000, warmupMs: 1000, headers, certPath: pki.clients.alice.certPath, keyPath: pki.clients.alice.keyPath });
  console.log(`${scenario}: ${result.rps} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, statuses ${JSON.stringify(result.statuses)}\n`);
  await new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
  const profiles = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, f));
  const main = profiles.sort().at(0);
  if (main) console.log(summarise(main).join("\n"));
  await nginx.stop();
  await idp.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
}

await main(process.argv[2] ?? "pass");
