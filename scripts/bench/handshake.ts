// TLS handshakes with a client certificate, per second, side by side (issue 11): bench scenarios
// 13 (full handshakes) and 14 (resumed handshakes), nginx and Tether interleaved round after round.
//
// The load is N concurrent `openssl s_time` processes (`-new` for full handshakes, `-reuse` for
// resumed ones), each a sequential closed loop: connect, handshake presenting the client
// certificate, one `GET <path> HTTP/1.0` (so the connection takes the server's ordinary request
// path; with TLS 1.3 it is also what reads the session ticket that `-reuse` needs), read to EOF,
// close. Why s_time: the client shares the 2 vCPUs with the server, so it must be cheap. Measured
// here against nginx, s_time costs ~0.3 ms CPU per resumed and ~0.8 ms per full TLS 1.3 handshake;
// a Node tls.connect loop (one SecureContext, reused) cost 1.1-2 ms for either, so it would have
// been the bottleneck. s_time prints one character per connection as it completes ('r' when the
// session was resumed), which gives both the count inside the measuring window and, for every
// connection, whether it really resumed. The clients run at nice 10, for nginx and Tether alike:
// the server under test then gets a core whenever it has work, as with clients on another
// machine, so handshakes per second approach its capacity (the table shows how busy it was).
//
// s_time sends no SNI (it has no -servername), so Tether answers on its "no SNI" TLS servers:
// the same resumption and certificate request code, with its default certificate, minus the
// per-handshake SNICallback. Its routes without `snis` that carry tls-handshake-modifier make
// every handshake ask for a certificate (Kong's `*` in the SNI map), with or without an SNI; the
// probe checks that each server sends a CertificateRequest and answers the request with 200.
import { execFile, spawn, type ChildProcess } from "node:child_process";

export interface HandshakeTarget {
  port: number;
  /** The server process (workers are its children), for CPU per handshake. */
  pid: number;
}

export interface HandshakeSpec {
  host: string;
  port: number;
  certPath: string;
  keyPath: string;
  /** Requested once on every connection. */
  path: string;
  resumed: boolean;
  clients: number;
  durationMs: number;
  warmupMs: number;
  tls: "1.2" | "1.3";
  /** CPU seconds used so far by the server, read at the window's start and end. */
  serverCpuSeconds?: () => number;
}

export interface HandshakeResult {
  handshakes: number;
  perSecond: number;
  /** Connections in the window that resumed a session, and those that did a full handshake. */
  resumed: number;
  full: number;
  /** Clients that died before the window closed (s_time stops at its first failed connection). */
  errors: number;
  /** Server CPU per handshake in the window, and the share of one core it used (NaN without serverCpuSeconds). */
  serverCpuUs: number;
  serverBusy: number;
}

const versionFlag = (tls: HandshakeSpec["tls"]): string => (tls === "1.3" ? "-tls1_3" : "-tls1_2");

/**
 * The per-connection characters of one s_time process's output: after its header line (`-new`:
 * "Collecting connection statistics for N seconds", `-reuse`: "starting", which follows the
 * untimed first connection that obtains the session) and up to the next newline, which starts
 * its summary or an error.
 */
function connectionMarks(resumed: boolean): (chunk: string) => string {
  const header = resumed ? "starting\n" : "seconds\n";
  let head = "";
  let state: "header" | "marks" | "done" = "header";
  return (chunk) => {
    let text = chunk;
    if (state === "header") {
      head += chunk;
      const at = head.indexOf(header);
      if (at < 0) return "";
      state = "marks";
      text = head.slice(at + header.length);
    }
    if (state === "done") return "";
    const end = text.indexOf("\n");
    if (end < 0) return text;
    state = "done";
    return text.slice(0, end);
  };
}

export async function runHandshakes(spec: HandshakeSpec): Promise<HandshakeResult> {
  let recording = false;
  let stopping = false;
  let resumed = 0;
  let full = 0;
  let errors = 0;
  // s_time checks its own clock only between connections: give it room, then stop it ourselves.
  const seconds = Math.ceil((spec.warmupMs + spec.durationMs) / 1000) + 10;
  const children: ChildProcess[] = Array.from({ length: spec.clients }, () => {
    const child = spawn(
      "nice", // see the top of the file
      ["-n", "10", "openssl", "s_time", "-connect", `${spec.host}:${spec.port}`, spec.resumed ? "-reuse" : "-new", versionFlag(spec.tls),
        "-cert", spec.certPath, "-key", spec.keyPath, "-www", spec.path, "-time", String(seconds)],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    const marks = connectionMarks(spec.resumed);
    child.stdout!.setEncoding("latin1").on("data", (chunk: string) => {
      if (!recording) return void marks(chunk);
      for (const mark of marks(chunk)) {
        if (mark === "r") resumed++;
        else full++;
      }
    });
    child.once("exit", () => {
      if (!stopping) errors++;
    });
    return child;
  });
  const exited = children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once("exit", resolve))));
  await new Promise((r) => setTimeout(r, spec.warmupMs));
  recording = true;
  const cpu0 = spec.serverCpuSeconds?.() ?? NaN;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, spec.durationMs));
  recording = false;
  const elapsed = performance.now() - t0;
  const cpu1 = spec.serverCpuSeconds?.() ?? NaN;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(exited);
  const handshakes = resumed + full;
  return { handshakes, perSecond: Math.round((handshakes / elapsed) * 1000), resumed, full, errors, serverCpuUs: ((cpu1 - cpu0) / handshakes) * 1e6, serverBusy: (cpu1 - cpu0) / (elapsed / 1000) };
}

/**
 * Before measuring: one connection that must see a CertificateRequest (the mTLS path) and a 200.
 * Returns what is wrong, or the server's key as the client saw it (to compare like with like).
 */
function probeHandshake(spec: Pick<HandshakeSpec, "host" | "port" | "certPath" | "keyPath" | "path" | "tls">): Promise<{ problem?: string; serverKey: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "openssl",
      ["s_client", "-connect", `${spec.host}:${spec.port}`, versionFlag(spec.tls), "-cert", spec.certPath, "-key", spec.keyPath, "-msg", "-ign_eof"],
      { timeout: 10_000, maxBuffer: 1 << 20 },
      (_error, stdout) => {
        const signature = /Peer signature type: (\S+)/.exec(stdout)?.[1] ?? "?";
        const bits = /Server public key is (\d+) bit/.exec(stdout)?.[1] ?? "?";
        const serverKey = `${signature} ${bits} bit`;
        if (!/CertificateRequest/.test(stdout)) resolve({ problem: "no CertificateRequest", serverKey });
        else if (!/^HTTP\/1\.[01] 200 /m.test(stdout)) resolve({ problem: `no 200 answer to GET ${spec.path}`, serverKey });
        else resolve({ serverKey });
      },
    );
    child.stdin!.end(`GET ${spec.path} HTTP/1.0\r\n\r\n`);
  });
}

export interface HandshakeBench {
  /** BENCH_ONLY: scenario numbers to run (all when absent). */
  only?: number[];
  rounds: number;
  seconds: number;
  clients: number;
  /** Worker processes of each server: how busy a server can be is this many cores. */
  workers: number;
  tls: HandshakeSpec["tls"];
  host: string;
  certPath: string;
  keyPath: string;
  path: string;
  nginx: HandshakeTarget;
  tether: HandshakeTarget;
  cpuSeconds(pid: number): number;
}

/** Issue 11's targets: Tether's handshakes per second over nginx's. */
const SCENARIOS = [
  { id: 13, name: "full handshakes", resumed: false, target: 0.9 },
  { id: 14, name: "resumed handshakes", resumed: true, target: 0.8 },
] as const;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;

/** A measure is valid only if every connection did the kind of handshake it claims to count. */
function invalidity(server: string, results: HandshakeResult[], resumed: boolean): string | undefined {
  const wrong = results.reduce((n, r) => n + (resumed ? r.full : r.resumed), 0);
  const all = results.reduce((n, r) => n + r.handshakes, 0);
  if (all === 0) return `${server}: no handshakes`;
  return wrong ? `${server}: INVALID, ${wrong} of ${all} connections ${resumed ? "not resumed" : "resumed"}` : undefined;
}

/**
 * Met or missed, if the figures can say. A server the clients did not keep busy shows less than
 * it can do: nginx so for a "met" (its rate understated), Tether so for a "missed".
 */
function judge(ratio: number, target: number, nginxBusy: number, tetherBusy: number): string {
  const met = ratio >= target;
  const [side, busy] = met ? ["nginx", nginxBusy] : ["Tether", tetherBusy];
  return busy < 0.8 ? `≥ ${target} — inconclusive: ${side} ${percent(busy)} busy` : `≥ ${target} — ${met ? "met" : "missed"}`;
}

/** Runs scenarios 13 and 14 (those BENCH_ONLY leaves), rounds interleaved, and prints their table. */
export async function runHandshakeBench(bench: HandshakeBench): Promise<void> {
  const scenarios = SCENARIOS.filter((s) => !bench.only || bench.only.includes(s.id));
  if (!scenarios.length) return;
  const targets = { nginx: bench.nginx, Tether: bench.tether };
  const base = { host: bench.host, certPath: bench.certPath, keyPath: bench.keyPath, path: bench.path, tls: bench.tls };
  const keys: Record<string, string> = {};
  for (const [name, t] of Object.entries(targets)) {
    const probe = await probeHandshake({ ...base, port: t.port });
    if (probe.problem) {
      console.warn(`handshake scenarios skipped: ${name} ${probe.problem}`);
      return;
    }
    keys[name] = probe.serverKey;
  }
  const results = new Map<string, HandshakeResult[]>();
  for (let round = 1; round <= bench.rounds; round++)
    for (const s of scenarios)
      for (const [name, t] of Object.entries(targets)) {
        const r = await runHandshakes({
          ...base, port: t.port, resumed: s.resumed, clients: bench.clients, durationMs: bench.seconds * 1000, warmupMs: 1000,
          serverCpuSeconds: () => bench.cpuSeconds(t.pid),
        });
        results.set(`${s.id} ${name}`, [...(results.get(`${s.id} ${name}`) ?? []), r]);
        process.stderr.write(`round ${round} scenario ${s.id} ${name}: ${r.perSecond} handshakes/s (resumed ${r.resumed}, full ${r.full}, client errors ${r.errors}) server CPU ${r.serverCpuUs.toFixed(0)} µs/handshake, busy ${percent(r.serverBusy)} of a core\n`);
      }
  console.log(`\nTLS handshakes with a client certificate — TLS ${bench.tls}, ${bench.clients} concurrent \`openssl s_time\` clients at nice 10 (no SNI), one GET ${bench.path} per connection, ${bench.seconds} s × ${bench.rounds} interleaved rounds (medians)`);
  console.log(`server keys as the client saw them: nginx ${keys["nginx"]}, Tether ${keys["Tether"]}\n`);
  console.log("| # | handshakes | nginx /s | Tether /s | Tether/nginx (paired) | target | nginx CPU µs | Tether CPU µs | CPU nginx/Tether (paired) | busy nginx / Tether | client errors |");
  console.log("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|");
  for (const s of scenarios) {
    const [n, t] = [results.get(`${s.id} nginx`)!, results.get(`${s.id} Tether`)!];
    const invalid = [invalidity("nginx", n, s.resumed), invalidity("Tether", t, s.resumed)].filter(Boolean).join("; ") || undefined;
    const ratio = median(t.map((r, i) => r.perSecond / n[i]!.perSecond));
    const verdict = invalid ?? judge(ratio, s.target, median(n.map((r) => r.serverBusy)) / bench.workers, median(t.map((r) => r.serverBusy)) / bench.workers);
    const cpuRatio = median(n.map((r, i) => r.serverCpuUs / t[i]!.serverCpuUs));
    const errors = [...n, ...t].reduce((e, r) => e + r.errors, 0);
    console.log(`| ${s.id} | ${s.name} | ${median(n.map((r) => r.perSecond))} | ${median(t.map((r) => r.perSecond))} | ${invalid ? "invalid" : ratio.toFixed(2)} | ${verdict} | ${median(n.map((r) => r.serverCpuUs)).toFixed(0)} | ${median(t.map((r) => r.serverCpuUs)).toFixed(0)} | ${cpuRatio.toFixed(2)} | ${percent(median(n.map((r) => r.serverBusy)))} / ${percent(median(t.map((r) => r.serverBusy)))} | ${errors} |`);
  }
  // On a shared machine the clients may not keep a server busy; then handshakes/s measure the clients.
  console.log("\nhandshakes/s compare capacity only where the servers were busy (inconclusive below 80% of their cores); CPU per handshake is the steadier comparison.");
}
