// For suites that run a node with `--workers N`: its worker processes, and requests that each
// open their own connection (node:cluster hands new connections to the workers in turn).
import { execFileSync } from "node:child_process";
import http from "node:http";

/** The processes `pid` forked (a node's workers). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)]).toString().trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none (yet)
  }
}

/** A GET on a new connection: its status and body; an error, not a hang, when nothing answers in 10 s. */
export function getOnNewConnection(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
    req.on("error", reject);
  });
}
