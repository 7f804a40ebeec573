// `node --import tsx scripts/bench/soak.ts`: memory under load on the certificate-bound path.
// Phase 1: SOAK_SECONDS (300) of bearer RS256 + PoP strict with one token, sampling Tether's RSS
// every 5 s. Phase 2: 20,000 distinct valid bound tokens, each sent several times, to show the
// verified-token cache stays within its bound (RSS after 10k and after 20k distinct tokens).
import { readFileSync, rmSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startIdp } from "../../test/fixtures/idp/index.ts";
import { createPki, thumbprint } from "../../test/fixtures/pki/index.ts";
import { adminJson, startTether } from "../../test/helpers/tether.ts";
import { runLoad } from "./load.ts";
import { startNginx } from "./nginx.ts";

const SOAK_SECONDS = Number(process.env["SOAK_SECONDS"] ?? 300);
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
const rssMiB = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
  } catch {
    throw new Error(`Tether (pid ${pid}) is gone:\n${tether.stderr.join("\n")}\n${JSON.stringify(tether.logs.slice(-5))}`);
  }
};

const dir = mkdtempSync(join(tmpdir(), "tether-soak-"));
const pki = createPki();
const idp = await startIdp({ pki });
const nginx = await startNginx({ dir: join(dir, "nginx"), workers: 1, cert: pki.server.certPath, key: pki.server.keyPath, upstreamPort: await freePort(), tlsPort: await freePort() });
const tether = await startTether({ env: { TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath } });
const pid = tether.process.pid!;
try {
  await adminJson(tether, "POST", "/services", { name: "s", url: `http://127.0.0.1:${nginx.upstreamPort}` });
  await adminJson(tether, "POST", "/services/s/routes", { paths: ["/"] });
  await adminJson(tether, "POST", "/services/s/plugins", { name: "tls-handshake-modifier" });
  await adminJson(tether, "POST", "/services/s/plugins", { name: "openid-connect", config: { issuer: idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } });
  await new Promise((r) => setTimeout(r, 1000));
  const cnf = { "x5t#S256": thumbprint(pki.clients.alice.cert) };
  const now = Math.floor(Date.now() / 1000);
  const sign = (i: number) => idp.sign({ iss: idp.issuer, sub: `client-${i}`, aud: "https://api.tether.test", iat: now, exp: now + 3600, jti: `t${i}`, cnf });
  const base = { url: `https://127.0.0.1:${tether.httpsPort}/`, connections: 32, warmupMs: 1000, certPath: pki.clients.alice.certPath, keyPath: pki.clients.alice.keyPath };

  console.log(`phase 1: ${SOAK_SECONDS} s, one bound token, RSS every 5 s`);
  const one = [`Bearer ${await sign(0)}`];
  const samples: number[] = [];
  let done = false;
  let gone: unknown;
  // A throw from a timer would skip the cleanup below: remember it and stop the load instead.
  const sampler = setInterval(() => {
    try {
      samples.push(rssMiB(pid));
    } catch (error) {
      gone = error;
    }
  }, 5000);
  const load = runLoad({ ...base, durationMs: SOAK_SECONDS * 1000, authorizations: one }).finally(() => (done = true));
  const result = await load;
  clearInterval(sampler);
  void done;
  if (gone) throw gone;
  const warm = samples.slice(Math.min(2, samples.length - 1)); // skip the first 10 s of warm-up
  const min = Math.min(...warm);
  const max = Math.max(...warm);
  console.log(`  ${result.rps} req/s, statuses ${JSON.stringify(result.statuses)}; RSS after warm-up: first ${warm[0]?.toFixed(1)} MiB, last ${warm.at(-1)?.toFixed(1)} MiB, min ${min.toFixed(1)}, max ${max.toFixed(1)} (spread ${(((max - min) / min) * 100).toFixed(1)}%)`);

  console.log("phase 2: 20,000 distinct bound tokens");
  const tokens: string[] = [];
  for (let i = 1; i <= 20_000; i++) tokens.push(`Bearer ${await sign(i)}`);
  const before = rssMiB(pid);
  const first = await runLoad({ ...base, durationMs: 15_000, authorizations: tokens.slice(0, 10_000) });
  const after10k = rssMiB(pid);
  const second = await runLoad({ ...base, durationMs: 15_000, authorizations: tokens.slice(10_000) });
  const after20k = rssMiB(pid);
  const third = await runLoad({ ...base, durationMs: 15_000, authorizations: tokens });
  const afterAll = rssMiB(pid);
  console.log(`  RSS ${before.toFixed(1)} MiB → after 10k distinct ${after10k.toFixed(1)} → after 20k ${after20k.toFixed(1)} → after cycling all 20k ${afterAll.toFixed(1)}`);
  console.log(`  req/s: ${first.rps} / ${second.rps} / ${third.rps}; statuses ${JSON.stringify(third.statuses)}`);
} finally {
  await tether.stop();
  await nginx.stop();
  await idp.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
}
