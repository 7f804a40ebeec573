// `node --import tsx scripts/bench/log-phase.ts`: the log phase's own CPU cost per request, in
// isolation, for the request `npm run bench` sends on the certificate-bound path (scenario 4: a
// 900-byte bearer token over mutual TLS, a 200 from the upstream). Serializing Kong's log entry,
// then the prometheus plugin (every per-request family on) and file-log (JSON line appended to a
// real file, flushed) as the proxy calls them. On this 2-vCPU machine the side-by-side req/s of
// `npm run bench` (scenarios 10 and 11 against 4) swing by ±15% between runs; this is the figure
// that does not, to set against scenario 4's "Tether CPU µs/req".
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogEntry, Logger, PluginDefinition, PluginHandler, Route, Service } from "@tether/core";
import { bundledPlugins } from "../../packages/plugins/src/index.ts";
import { serializeLogEntry, type RequestFacts } from "../../packages/proxy/src/log/serialize.ts";

const ITERATIONS = Number(process.env["BENCH_ITERATIONS"] ?? 200_000);
/** file-log writes ~1.8 kB per line: fewer of them, so three passes put ~200 MB on the disk, not 1 GB. */
const FILE_LOG_LINES = ITERATIONS / 5;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const env = { fetch, unverifiedFetch: fetch, clientCertificateFetch: () => fetch, log: silent };

function handler(name: string, config: Record<string, unknown>): PluginHandler {
  const definition = bundledPlugins.get(name) as PluginDefinition | undefined;
  if (!definition) throw new Error(`no ${name} plugin`);
  return definition.createHandler(config, env, undefined as never, { id: name });
}

const now = Date.now();
const route = { id: "0e4c5a0e-9a4b-4b8e-8d0f-3f8b8a1d2c11", name: null, paths: ["/bound"], protocols: ["http", "https"], created_at: now, updated_at: now } as unknown as Route;
const service = { id: "6b0f1f59-5a77-4f1e-9e2b-0c1d2e3f4a5b", name: "bound", host: "127.0.0.1", port: 8080, protocol: "http", path: null } as unknown as Service;
const token = `eyJ${"a".repeat(897)}`;

/** One request of scenario 4, as the proxy knows it when its response is over. */
function facts(i: number): RequestFacts {
  return {
    requestId: `req-${i}`,
    startedAt: now + i,
    arrivedAt: i,
    forwardedAt: i + 0.3,
    upstreamHeadersAt: i + 1.1,
    finishedAt: i + 1.2,
    scheme: "https",
    host: "127.0.0.1",
    port: 8443,
    method: "GET",
    target: "/bound",
    headers: { host: "127.0.0.1:8443", authorization: `Bearer ${token}` },
    rawHeaders: ["host", "127.0.0.1:8443", "authorization", `Bearer ${token}`],
    httpVersion: "1.1",
    clientIp: "127.0.0.1",
    tls: { version: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", client_verify: "SUCCESS" },
    route,
    service,
    consumer: undefined,
    upstreamUri: "/bound",
    upstreamTarget: { ip: "127.0.0.1", port: 8080 },
    status: 200,
    responseHeaders: { "content-type": "text/plain", "content-length": "2", "x-kong-upstream-latency": "1", "x-kong-proxy-latency": "0", via: "1.1 tether/0.1.0", "x-tether-request-id": `req-${i}` },
    bytesSent: 310,
    source: "upstream",
  };
}

/** µs per request of `step`, best of three passes (the least disturbed by the rest of the machine). */
function perRequest(step: (i: number) => void): number {
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const started = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) step(i);
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / ITERATIONS);
  }
  return best;
}

const dir = mkdtempSync(join(tmpdir(), "tether-log-phase-"));
try {
  const prometheus = handler("prometheus", { status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, per_consumer: false });
  const fileLog = handler("file-log", { path: join(dir, "file-log.json"), reopen: false });
  const entries: LogEntry[] = Array.from({ length: 1000 }, (_, i) => serializeLogEntry(facts(i)));
  const serialize = perRequest((i) => serializeLogEntry(facts(i)));
  const record = perRequest((i) => prometheus.log!(entries[i % 1000]!, undefined));
  // file-log: a fresh entry each time (its JSON is encoded once per entry), the appender draining
  // between batches of 1,000 as the event loop would between requests.
  let fileLogUs = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const started = process.cpuUsage();
    for (let batch = 0; batch < FILE_LOG_LINES / 1000; batch++) {
      for (let i = 0; i < 1000; i++) fileLog.log!(serializeLogEntry(facts(i)), undefined);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 0));
    }
    await new Promise((r) => setTimeout(r, 100)); // the last appends land (idle time costs no CPU)
    const used = process.cpuUsage(started);
    fileLogUs = Math.min(fileLogUs, (used.user + used.system) / FILE_LOG_LINES - serialize);
  }
  // Every line must be on disk: a dropped line (the appender's bounded buffer) would flatter the figure.
  const written = readFileSync(join(dir, "file-log.json"), "utf8").split("\n").length - 1;
  if (written !== 3 * FILE_LOG_LINES) throw new Error(`file-log wrote ${written} lines of ${3 * FILE_LOG_LINES}`);
  console.log(`log phase per request (best of 3 passes of ${ITERATIONS}; file-log ${FILE_LOG_LINES}), CPU µs:`);
  console.log(`  serialize Kong's entry (once per request, for every log plugin)  ${serialize.toFixed(2)}`);
  console.log(`  prometheus (status, latency, bandwidth families)                  ${record.toFixed(2)}`);
  console.log(`  file-log (JSON line + append, amortized; includes the write)      ${fileLogUs.toFixed(2)}`);
  console.log(`  => prometheus adds ${(serialize + record).toFixed(1)} µs, file-log ${(serialize + fileLogUs).toFixed(1)} µs per request`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
