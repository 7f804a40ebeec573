// `node --import tsx scripts/bench/cluster.ts`: Tether as a cluster on one PostgreSQL, measured side
// by side with the embedded SQLite default, in one run, on loopback:
//   1. write-to-enforced latency across three PostgreSQL nodes: each write (a new route, POSTed to
//      the nodes in turn, one at a time) is timed from the moment it is sent until every node's
//      proxy enforces it, seen from outside three ways per node: the node's "configuration reloaded"
//      log line arriving on its stdout (logged right after the snapshot swap; no polling), `GET
//      /status` reporting `applied_version` above the version the write replaced, and the proxy's
//      answer for the new path flipping 404 → 200 through the echo upstream (the ground truth);
//   2. Admin API writes/s (N concurrent clients POSTing a fixed count of consumers) on an SQLite
//      node vs a PostgreSQL node, interleaved rounds;
//   3. proxy requests/s (the undici load client of load.ts in its own process, plain HTTP
//      listener, same route, same fixed-200 upstream) on a PostgreSQL node vs an SQLite node,
//      interleaved rounds: the proxy never reads the store per request, so these should be equal
//      within noise; a second SQLite node measured alike shows how wide the noise is. Measured
//      before 2, so the nodes serve the same small configuration.
// Starts one throw-away PostgreSQL server (test/fixtures/postgres), the upstreams, three cluster
// nodes on database `cluster`, one PostgreSQL node alone on database `solo` (so 2 and 3 do not make
// the cluster reload) and two SQLite nodes; stops all of them at the end, on failure, on
// SIGINT/SIGTERM, and at the hard deadline.
// Environment: CLUSTER_WRITES (100), CLUSTER_WARMUP_WRITES (10), CLUSTER_WRITE_GAP_MS (50),
// CLUSTER_POLL_MS (1: proxy polling step), CLUSTER_STATUS_POLL_MS (5; 0 = do not poll /status),
// BENCH_SECONDS (4: each proxy load), BENCH_ROUNDS (5: interleaved rounds of 2 and 3),
// CLUSTER_ADMIN_WRITES (1000 consumers per node per round), BENCH_CONNECTIONS (32), BENCH_WRITERS
// (8), CLUSTER_DEADLINE_SECONDS (300). About 100 s on 2 quiet vCPUs with the defaults (170 s on a
// busy machine).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { cpus, loadavg, totalmem } from "node:os";
import { Pool } from "undici";
import { postgresMissing, startPostgres, type Postgres } from "../../test/fixtures/postgres/index.ts";
import { startEcho, type Echo } from "../../test/fixtures/upstream/index.ts";
import { adminJson, startTether, waitFor, type Tether } from "../../test/helpers/tether.ts";
import type { LoadResult, LoadSpec } from "./load.ts";

const WRITES = Number(process.env["CLUSTER_WRITES"] ?? 100);
const WARMUP_WRITES = Number(process.env["CLUSTER_WARMUP_WRITES"] ?? 10);
const WRITE_GAP_MS = Number(process.env["CLUSTER_WRITE_GAP_MS"] ?? 50);
const POLL_MS = Number(process.env["CLUSTER_POLL_MS"] ?? 1);
const STATUS_POLL_MS = Number(process.env["CLUSTER_STATUS_POLL_MS"] ?? 5);
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 4);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const ADMIN_WRITES = Number(process.env["CLUSTER_ADMIN_WRITES"] ?? 1000);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 32);
const WRITERS = Number(process.env["BENCH_WRITERS"] ?? 8);
const DEADLINE_S = Number(process.env["CLUSTER_DEADLINE_SECONDS"] ?? 300);
/** Longest a single write may take to reach every node before the run fails. */
const CONVERGE_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Nearest-rank percentile: p99 of 100 samples is the 99th smallest, not the maximum. */
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (x: number) => x.toFixed(1);

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", import.meta.resolve("tsx"), new URL("./load.ts", import.meta.url).pathname, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout.trim().split("\n").pop()!) as LoadResult),
    );
  });
}

// ---- everything this run starts, stopped once, whatever happens -------------------------------

const nodes: Tether[] = [];
const pools: Pool[] = [];
let pg: Postgres | undefined;
let echo: Echo | undefined;
let plain: Server | undefined;
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(pools.map((p) => p.destroy()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await echo?.stop().catch(() => undefined);
    if (plain) {
      plain.closeAllConnections();
      await new Promise((r) => plain!.close(r));
    }
    await pg?.destroy().catch(() => undefined);
    await stopStrayChildren();
  })();
  return cleaning;
}

/**
 * Our own child processes still running after the orderly stops: a node whose start timed out is
 * left running by startTether (it rejects without the child). Found by parent pid and command
 * line, so only what this process spawned; SIGTERM, then SIGKILL after 5 s.
 */
async function stopStrayChildren(): Promise<void> {
  const children = (): number[] => {
    try {
      return readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
            const stat = readFileSync(`/proc/${d}/stat`, "utf8");
            if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== process.pid) return false;
            // Nodes, load clients, the PostgreSQL server; not tsx's own esbuild service.
            return /packages\/cli\/src\/main\.ts|scripts\/bench\/load\.ts|postgres/.test(readFileSync(`/proc/${d}/cmdline`, "utf8"));
          } catch {
            return false;
          }
        })
        .map(Number);
    } catch {
      return []; // no /proc: nothing more we can do
    }
  };
  const stray = children();
  if (!stray.length) return;
  console.error(`cluster bench: stopping ${stray.length} stray child process(es): ${stray.join(", ")}`);
  for (const pid of stray) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  for (let waited = 0; waited < 5_000 && children().some((pid) => stray.includes(pid)); waited += 100) await sleep(100);
  for (const pid of children().filter((pid) => stray.includes(pid))) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
const deadline = setTimeout(() => {
  console.error(`cluster bench: hard deadline of ${DEADLINE_S} s reached; stopping everything`);
  void cleanup().finally(() => process.exit(1));
}, DEADLINE_S * 1000);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.error(`cluster bench: ${signal}; stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });

function pool(origin: string, connections: number): Pool {
  const p = new Pool(origin, { connections, pipelining: 1 });
  pools.push(p);
  return p;
}

async function started(env: Record<string, string>): Promise<Tether> {
  const t = await startTether({ env });
  nodes.push(t);
  return t;
}

/** Starts them together; fails only once every start has settled, so none is left unregistered. */
async function startedAll(envs: Record<string, string>[]): Promise<Tether[]> {
  const results = await Promise.allSettled(envs.map(started));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<Tether>).value);
}

interface Status {
  version: number;
  applied_version: number;
}
async function status(t: Tether): Promise<Status> {
  return (await adminJson(t, "GET", "/status")).body.configuration as Status;
}
async function converged(...ts: Tether[]): Promise<number> {
  const s = await status(ts[0]!);
  await waitFor(async () => (await Promise.all(ts.map(status))).every((x) => x.applied_version >= s.version), CONVERGE_TIMEOUT_MS, 20);
  return s.version;
}
async function created(t: Tether, path: string, body: unknown): Promise<void> {
  const res = await adminJson(t, "POST", path, body);
  if (res.status !== 201) throw new Error(`POST ${path} on ${t.admin}: ${res.status} ${JSON.stringify(res.body)}`);
}

// ---- 1. write-to-enforced ----------------------------------------------------------------------

/**
 * Each "configuration reloaded" line a node logs (right after it swaps its snapshot): the version,
 * its arrival time here (performance.now()) and the node's own load + compile time.
 */
function reloadLog(t: Tether): { version: number; at: number; ms: number }[] {
  const seen: { version: number; at: number; ms: number }[] = [];
  let buffered = "";
  t.process.stdout!.on("data", (chunk: Buffer) => {
    const at = performance.now();
    buffered += chunk.toString();
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.includes('"configuration reloaded"')) continue;
      try {
        const entry = JSON.parse(line) as { version: number; load_ms: number; compile_ms: number };
        seen.push({ version: Number(entry.version), at, ms: entry.load_ms + entry.compile_ms });
      } catch {
        // not one of ours
      }
    }
  });
  return seen;
}

/** Polls until `check` holds, one request at a time, `stepMs` apart; returns when it first held. */
async function until(check: () => Promise<boolean>, t0: number, stepMs: number): Promise<number> {
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() - t0 > CONVERGE_TIMEOUT_MS) throw new Error(`not enforced within ${CONVERGE_TIMEOUT_MS} ms`);
    await sleep(stepMs);
  }
}

interface WriteSample {
  writer: number;
  ack: number;
  /** Per node, ms from sending the write. */
  proxy: number[];
  status: number[];
  log: number[];
  /** Per node, its own load + compile time for this version, from its log line. */
  reloadMs: number[];
}

async function writeToEnforced(cluster: Tether[]): Promise<WriteSample[]> {
  const logs = cluster.map(reloadLog);
  const proxies = cluster.map((t) => pool(`http://127.0.0.1:${t.httpPort}`, 1));
  const admins = cluster.map((t) => pool(t.admin, 1));
  const samples: WriteSample[] = [];
  for (let i = -WARMUP_WRITES; i < WRITES; i++) {
    const writer = (i + WARMUP_WRITES) % cluster.length;
    // Writes are sequential and nothing else writes, so the version this write replaces is the
    // stored one now, and the write is enforced on a node once its applied_version exceeds it
    // (checked below: every write moved the stored version by exactly one).
    const before = await converged(...cluster);
    await sleep(WRITE_GAP_MS);
    const path = `/w${i + WARMUP_WRITES}/`; // the trailing slash keeps /w1/ from prefix-matching /w10/
    const t0 = performance.now();
    const proxy = proxies.map((p) =>
      until(async () => {
        const res = await p.request({ path, method: "GET" });
        await res.body.dump();
        if (res.statusCode !== 200 && res.statusCode !== 404) throw new Error(`proxy answered ${res.statusCode} for ${path}`);
        return res.statusCode === 200;
      }, t0, POLL_MS),
    );
    const applied = STATUS_POLL_MS
      ? admins.map((p) =>
          until(async () => {
            const res = await p.request({ path: "/status", method: "GET" });
            const body = (await res.body.json()) as { configuration: Status };
            return body.configuration.applied_version > before;
          }, t0, STATUS_POLL_MS),
        )
      : [];
    for (const poll of [...proxy, ...applied]) poll.catch(() => undefined); // a failed write must not leave them unhandled
    await created(cluster[writer]!, "/services/echo/routes", { name: `w${i + WARMUP_WRITES}`, paths: [path] });
    const ack = performance.now();
    const proxyAt = await Promise.all(proxy);
    const statusAt = await Promise.all(applied);
    const after = (await status(cluster[writer]!)).version;
    if (after !== before + 1) throw new Error(`write ${i} moved the stored version from ${before} to ${after}, expected +1`);
    const reloads = await Promise.all(
      logs.map(async (seen) => {
        let hit: { at: number; ms: number } | undefined;
        await waitFor(async () => (hit = seen.find((e) => e.version > before && e.at >= t0)) !== undefined, 2_000, 5);
        return hit!;
      }),
    );
    if (i < 0) continue; // warm-up: JIT, connection pools
    samples.push({
      writer,
      ack: ack - t0,
      proxy: proxyAt.map((x) => x - t0),
      status: statusAt.map((x) => x - t0),
      log: reloads.map((x) => x.at - t0),
      reloadMs: reloads.map((x) => x.ms),
    });
  }
  return samples;
}

// ---- 2. Admin API writes/s ---------------------------------------------------------------------

interface WriteLoad {
  /** The node's proxy reloads per second meanwhile, and the share of the time they took (load + compile). */
  reloads: number;
  reloadShare: number;
  seconds: number;
  wps: number;
  p50: number;
  p99: number;
  failures: Record<string, number>;
}

/**
 * `count` consumers POSTed by WRITERS concurrent keep-alive clients, timed from the first request to
 * the last answer. A fixed count, not a fixed time, so both nodes' tables grow alike round by round
 * (a node reloads its whole configuration, consumers included, after writes).
 */
async function adminWrites(t: Tether, tag: string, count: number): Promise<WriteLoad> {
  const p = new Pool(t.admin, { connections: WRITERS, pipelining: 1 });
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  const client = async (): Promise<void> => {
    for (let k = next++; k < count; k = next++) {
      const start = performance.now();
      let outcome: string;
      try {
        const res = await p.request({
          path: "/consumers",
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: `${tag}-${k}` }),
        });
        await res.body.dump();
        outcome = String(res.statusCode);
      } catch (error) {
        outcome = (error as Error).name;
      }
      if (outcome === "201") latencies.push(performance.now() - start);
      else failures[outcome] = (failures[outcome] ?? 0) + 1;
    }
  };
  const logsFrom = t.logs.length;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, client));
  const elapsed = performance.now() - t0;
  await p.close();
  const reloaded = t.logs.slice(logsFrom).filter((l) => l.msg === "configuration reloaded");
  return {
    reloads: reloaded.length / (elapsed / 1000),
    reloadShare: reloaded.reduce((sum, l) => sum + Number(l["load_ms"]) + Number(l["compile_ms"]), 0) / elapsed,
    seconds: elapsed / 1000,
    wps: Math.round((latencies.length / elapsed) * 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
  };
}

/**
 * The upstream for the req/s comparison: a fixed 200 "ok", nothing recorded, so the gateway (not the
 * echo fixture's JSON of every request) is what the load measures.
 */
async function startPlainUpstream(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": 3 });
    res.end("ok\n");
  });
  server.keepAliveTimeout = 60_000;
  plain = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

// ---- the run -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (postgresMissing()) process.exit(1);
  const begun = performance.now();
  const loadStart = loadavg()[0]!;
  echo = await startEcho();
  const upstream = echo;
  // The echo fixture keeps every request it saw; a load test would make that gigabytes.
  setInterval(() => void (upstream.requests.length = 0), 250).unref();
  const plainUrl = await startPlainUpstream();
  pg = await startPostgres();
  await pg.createDatabase("cluster");
  await pg.createDatabase("solo");
  const pgEnv = pg.env.bind(pg);
  // A few at a time: six tsx start-ups at once on two busy cores can pass startTether's 20 s limit.
  const first = await started(pgEnv("cluster")); // migrates the shared database
  const [second, third, solo] = await startedAll([pgEnv("cluster"), pgEnv("cluster"), pgEnv("solo")]);
  const [lite, control] = await startedAll([
    { TETHER_DATABASE: "sqlite" },
    { TETHER_DATABASE: "sqlite" }, // a second, identical SQLite node: the noise floor of 3
  ]);
  const cluster = [first, second!, third!];
  await created(first, "/services", { name: "echo", url: echo.url });
  for (const t of [solo!, lite!, control!]) {
    await created(t, "/services", { name: "plain", url: plainUrl });
    await created(t, "/services/plain/routes", { name: "bench", paths: ["/bench"] });
  }
  await converged(...cluster);
  await converged(solo!);
  await converged(lite!);
  await converged(control!);
  process.stderr.write(`started PostgreSQL, the upstreams and 6 nodes in ${((performance.now() - begun) / 1000).toFixed(1)} s\n`);

  // 1. Write-to-enforced across the three cluster nodes.
  const t1 = performance.now();
  const samples = await writeToEnforced(cluster);
  process.stderr.write(`${WRITES} cluster writes in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);

  // 3. Proxy requests/s, run before the write load so both nodes serve the same small configuration.
  const proxyTargets = [
    { name: "sqlite", url: `http://127.0.0.1:${lite!.httpPort}/bench` },
    { name: "postgres", url: `http://127.0.0.1:${solo!.httpPort}/bench` },
    { name: "sqlite-2", url: `http://127.0.0.1:${control!.httpPort}/bench` },
  ];
  for (const target of proxyTargets) {
    const probe = await load({ url: target.url, connections: 1, durationMs: 300, warmupMs: 100 });
    if (!probe.statuses["200"] || Object.keys(probe.statuses).length !== 1 || probe.errors)
      throw new Error(`proxy probe on the ${target.name} node answered ${JSON.stringify(probe.statuses)} errors=${probe.errors}`);
  }
  const proxyRuns = new Map<string, LoadResult[]>();
  for (let round = 1; round <= ROUNDS; round++)
    for (const target of proxyTargets.map((_, n) => proxyTargets[(n + round - 1) % proxyTargets.length]!)) {
      const r = await load({ url: target.url, connections: CONNECTIONS, durationMs: SECONDS * 1000, warmupMs: 1000 });
      if (r.errors || Object.keys(r.statuses).some((s) => s !== "200")) throw new Error(`proxy load on ${target.name}: ${JSON.stringify(r.statuses)} errors=${r.errors}`);
      proxyRuns.set(target.name, [...(proxyRuns.get(target.name) ?? []), r]);
      process.stderr.write(`round ${round} proxy ${target.name}: ${r.rps} req/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms\n`);
    }

  // 2. Admin API writes/s, same workload on each node, interleaved.
  const writeTargets = [
    { name: "sqlite", node: lite! },
    { name: "postgres", node: solo! },
  ];
  for (const target of writeTargets) await adminWrites(target.node, "warm-up", 100);
  const writeRuns = new Map<string, WriteLoad[]>();
  for (let round = 1; round <= ROUNDS; round++)
    for (const target of round % 2 ? writeTargets : [...writeTargets].reverse()) {
      const r = await adminWrites(target.node, `r${round}`, ADMIN_WRITES);
      if (Object.keys(r.failures).length) throw new Error(`admin writes on ${target.name} failed: ${JSON.stringify(r.failures)}`);
      writeRuns.set(target.name, [...(writeRuns.get(target.name) ?? []), r]);
      process.stderr.write(
        `round ${round} admin writes ${target.name}: ${r.wps} writes/s (${r.seconds.toFixed(1)} s) p50 ${ms(r.p50)} ms p99 ${ms(r.p99)} ms; ` +
          `${r.reloads.toFixed(1)} proxy reloads/s, ${Math.round(r.reloadShare * 100)}% of the time\n`,
      );
    }

  // ---- report --------------------------------------------------------------------------------
  const worst = (pick: (s: WriteSample) => number[]) => samples.map((s) => Math.max(...pick(s)));
  const row = (name: string, xs: number[]) => `| ${name} | ${ms(percentile(xs, 50))} | ${ms(percentile(xs, 99))} | ${ms(Math.max(...xs))} |`;
  const writerOwn = samples.map((s) => s.proxy[s.writer]!);
  const others = samples.flatMap((s) => s.proxy.filter((_, n) => n !== s.writer));
  console.log(`\nTether cluster benchmark — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pg.psql("postgres", "SHOW server_version").trim()}`);
  // Anything else running on the machine skews every figure; the load average shows it.
  console.log(`load average (1 min) at start ${loadStart.toFixed(2)}, at the end ${loadavg()[0]!.toFixed(2)}; ${((performance.now() - begun) / 1000).toFixed(0)} s`);
  console.log(
    `\n1. Write-to-enforced, 3 PostgreSQL nodes, ${WRITES} writes (after ${WARMUP_WRITES} unmeasured), one at a time ${WRITE_GAP_MS} ms after the previous converged: ` +
      `POST /services/echo/routes, the writing node rotating; ms from sending the write; per write the slowest of the 3 nodes ` +
      `(proxy polled every ${POLL_MS} ms${STATUS_POLL_MS ? `, /status every ${STATUS_POLL_MS} ms` : ""}):\n`,
  );
  console.log("| measure | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|");
  console.log(row("Admin API answer on the writing node (201)", samples.map((s) => s.ack)));
  console.log(row("\"configuration reloaded\" line arrives from the node (no polling)", worst((s) => s.log)));
  if (STATUS_POLL_MS) console.log(row("`GET /status`: applied_version > the version before the write", worst((s) => s.status)));
  console.log(row("**proxy answers 200 on the new path (was 404)**", worst((s) => s.proxy)));
  console.log(row("(a node's own store load + compile, from its log line)", samples.flatMap((s) => s.reloadMs)));
  console.log(row("(slowest node's proxy 200 − the Admin API answer)", samples.map((s) => Math.max(...s.proxy) - s.ack)));
  console.log(row("(a node's proxy 200 − its own log line)", samples.flatMap((s) => s.proxy.map((x, n) => x - s.log[n]!))));
  console.log(`\nproxy 200, per node: the writing node p50 ${ms(percentile(writerOwn, 50))} ms, the other two p50 ${ms(percentile(others, 50))} ms, p99 ${ms(percentile(others, 99))} ms`);

  const wr = (name: string) => {
    const rs = writeRuns.get(name)!;
    return {
      wps: median(rs.map((r) => r.wps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      reloads: median(rs.map((r) => r.reloads)),
      reloadShare: median(rs.map((r) => r.reloadShare)),
      all: rs.map((r) => r.wps),
    };
  };
  const pr = (name: string) => {
    const rs = proxyRuns.get(name)!;
    return { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50Ms)), p99: median(rs.map((r) => r.p99Ms)), all: rs.map((r) => r.rps) };
  };
  const [ws, wp, ps, pp, pc] = [wr("sqlite"), wr("postgres"), pr("sqlite"), pr("postgres"), pr("sqlite-2")];
  // Each round measures both nodes back to back, so a round's ratio is the least drift-prone figure.
  const paired = (a: number[], b: number[]) => a.map((x, n) => x / b[n]!);
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const writeRatios = paired(wp.all, ws.all);
  const proxyRatios = paired(pp.all, ps.all);
  const controlRatios = paired(pc.all, ps.all);
  console.log(`\n2–3. One node each, side by side, ${ROUNDS} interleaved rounds (medians; ratio: median of the rounds' ratios, and their range):\n`);
  console.log("| # | workload | SQLite node | PostgreSQL node | PostgreSQL / SQLite |\n|---|---|---:|---:|---:|");
  console.log(`| 2 | Admin API writes/s, ${WRITERS} clients POSTing ${ADMIN_WRITES} consumers a round | ${ws.wps} | ${wp.wps} | **${median(writeRatios).toFixed(2)}** (${range(writeRatios)}) |`);
  console.log(`| 2 | — write p50 / p99 ms | ${ms(ws.p50)} / ${ms(ws.p99)} | ${ms(wp.p50)} / ${ms(wp.p99)} | |`);
  const busy = (x: typeof ws) => `${x.reloads.toFixed(1)}/s, ${Math.round(x.reloadShare * 100)}% of the time`;
  console.log(`| 2 | — the node's proxy reloading meanwhile | ${busy(ws)} | ${busy(wp)} | |`);
  console.log(`| 3 | proxy req/s, plain HTTP, ${CONNECTIONS} keep-alive connections, ${SECONDS} s a round, fixed-200 upstream | ${ps.rps} | ${pp.rps} | **${median(proxyRatios).toFixed(2)}** (${range(proxyRatios)}) |`);
  console.log(`| 3 | — proxy p50 / p99 ms | ${ps.p50.toFixed(2)} / ${ps.p99.toFixed(2)} | ${pp.p50.toFixed(2)} / ${pp.p99.toFixed(2)} | |`);
  console.log(`| 3 | — control: a second SQLite node, req/s and its ratio to the first (the noise) | ${pc.rps} | | ${median(controlRatios).toFixed(2)} (${range(controlRatios)}) |`);
  console.log(`\nper round: writes/s sqlite ${ws.all.join(", ")}; postgres ${wp.all.join(", ")}. req/s sqlite ${ps.all.join(", ")}; postgres ${pp.all.join(", ")}; sqlite-2 ${pc.all.join(", ")}`);
  process.stderr.write(`total ${((performance.now() - begun) / 1000).toFixed(1)} s\n`);
}

try {
  await main();
} finally {
  await cleanup();
  clearTimeout(deadline);
}
