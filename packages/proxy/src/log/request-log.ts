import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { AccessContext, AuthOutcome, LogEntry, Logger, Route, Service } from "@tether/core";
import type { BoundPlugin } from "../snapshot/compile.ts";
import { serializeLogEntry, type RequestFacts } from "./serialize.ts";
import { requestClientAddressOf } from "../proxy-protocol/client-address.ts";

/** Sees every request once it is over (the access log, node-wide counters). Must not throw nor block. */
export type RequestObserver = (entry: LogEntry, auth: AuthOutcome | undefined) => void;

function tlsFacts(req: IncomingMessage): RequestFacts["tls"] {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getProtocol !== "function") return undefined;
  const presented = socket.getPeerX509Certificate?.() !== undefined;
  return {
    version: socket.getProtocol() ?? "",
    cipher: socket.getCipher?.()?.standardName ?? "",
    client_verify: !presented ? "NONE" : socket.authorized ? "SUCCESS" : "FAILED",
  };
}

/**
 * One request's log phase: what the request handler learns along the way is noted here, and when
 * the response is over (sent, or the client gone) the entry is serialized once and handed to the
 * route's log handlers and the node's observers. Created only when someone will read it.
 */
export class RequestLog {
  route: Route | undefined;
  service: Service | undefined;
  ctx: AccessContext | undefined;
  plugins: readonly BoundPlugin[] = [];
  upstreamUri: string | undefined;
  forwardedAt: number | undefined;
  upstreamHeadersAt: number | undefined;
  source: "kong" | "upstream" = "kong";
  private readonly startedAt = Date.now();
  private readonly bytesWrittenBefore: number;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly base: { requestId: string; arrivedAt: number; scheme: "http" | "https"; host: string; port: number },
    private readonly observers: readonly RequestObserver[],
    private readonly log: Logger,
  ) {
    this.bytesWrittenBefore = req.socket.bytesWritten;
    res.once("close", () => this.emit());
  }

  private emit(): void {
    try {
      const { req, res } = this;
      const { base } = this;
      // No `...this.base` here: measured, spreading it into this literal cost the metrics path about
      // 40% more CPU per request (scripts/bench/run.ts, BENCH_ONLY=4,10) than naming the fields.
      const entry = serializeLogEntry({
        requestId: base.requestId,
        arrivedAt: base.arrivedAt,
        scheme: base.scheme,
        host: base.host,
        port: base.port,
        startedAt: this.startedAt,
        forwardedAt: this.forwardedAt,
        upstreamHeadersAt: this.upstreamHeadersAt,
        finishedAt: performance.now(),
        method: req.method ?? "GET",
        target: req.url ?? "/",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        httpVersion: req.httpVersion,
        clientIp: requestClientAddressOf(req) ?? "",
        tls: tlsFacts(req),
        route: this.route,
        service: this.service,
        consumer: this.ctx?.authenticated?.consumer,
        upstreamUri: this.upstreamUri,
        upstreamTarget: this.service ? { ip: this.service.host, port: this.service.port } : undefined,
        status: res.statusCode,
        responseHeaders: res.getHeaders(),
        bytesSent: Math.max(0, req.socket.bytesWritten - this.bytesWrittenBefore),
        source: this.source,
      });
      const auth = this.ctx?.authOutcome;
      for (const plugin of this.plugins) plugin.handler.log?.(entry, auth);
      for (const observe of this.observers) observe(entry, auth);
    } catch (error) {
      // The response is gone already: a failing logger costs a log line, never the request.
      this.log.error("log phase failed", { error: String((error as Error)?.stack ?? error) });
    }
  }
}
