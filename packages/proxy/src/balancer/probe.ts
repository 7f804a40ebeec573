import net from "node:net";
import tls, { type ConnectionOptions } from "node:tls";
import type { Outcome } from "./health-state.ts";

/** One active probe of one target: where, how, and what the request carries. */
export interface ProbeRequest {
  readonly type: "tcp" | "http" | "https";
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** The whole request (http and https): `GET <http_path> HTTP/1.0`, the headers, Host. */
  readonly request: string;
  /** For https: SNI, verification, trust and the client certificate. */
  readonly tls: Pick<ConnectionOptions, "servername" | "rejectUnauthorized" | "ca" | "cert" | "key">;
}

const STATUS_LINE = /^HTTP\/\d+\.\d+\s+(\d+)/i;

/** The status of an HTTP status line; 0 when the line is not one (lua-resty-healthcheck's nil). */
export function statusOfLine(line: string): number {
  const match = STATUS_LINE.exec(line);
  return match ? Number(match[1]) : 0;
}

/**
 * lua-resty-healthcheck's `run_single_check`: connect (and, for https, handshake: a failed
 * handshake is a TCP failure), send `GET <http_path> HTTP/1.0` and read the status line only.
 * Every step is bounded by `timeout`; running out of it is a timeout, any other error a TCP
 * failure. A tcp probe succeeds once connected. `signal` drops the probe (the checker stopped).
 */
export function probe(req: ProbeRequest, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const plain = req.type !== "https";
    const socket: net.Socket = plain
      ? net.connect({ host: req.host, port: req.port })
      : tls.connect({ host: req.host, port: req.port, ...req.tls });
    let received = "";
    const finish = (outcome: Outcome): void => {
      signal.removeEventListener("abort", abort);
      socket.destroy();
      resolve(outcome);
    };
    const abort = (): void => finish({ kind: "tcp" });
    signal.addEventListener("abort", abort, { once: true });
    socket.setTimeout(req.timeoutMs, () => finish({ kind: "timeout" }));
    socket.once("error", () => finish({ kind: "tcp" }));
    socket.once("close", () => finish(received ? { kind: "status", status: statusOfLine(received) } : { kind: "tcp" }));
    socket.once(plain ? "connect" : "secureConnect", () => {
      if (req.type === "tcp") return finish({ kind: "success" });
      socket.write(req.request);
    });
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\n");
      if (end >= 0) finish({ kind: "status", status: statusOfLine(received.slice(0, end)) });
    });
  });
}
