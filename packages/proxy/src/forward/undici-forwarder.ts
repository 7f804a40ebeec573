import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex, Writable } from "node:stream";
import { Pool, buildConnector } from "undici";
import type { Service } from "@tether/core";
import { connectOptionsOf, type UpstreamTls } from "../snapshot/upstream-tls.ts";
import { stripHopByHop } from "../http/hop-by-hop.ts";
import { connectWithRetries } from "./connect-retry.ts";
import { failureOf, reasonOf, UpstreamError } from "./failure.ts";
import type { ForwardingEngine, ForwardPlan, Upstream } from "./plan.ts";
import { originOf, PoolRegistry } from "./pools.ts";
import { clientGone, hasRequestBody, nextTry } from "./retry-policy.ts";
import { closeWhenIdle, splice } from "./tunnel.ts";
import { watchWriteStall } from "./write-stall.ts";

/** Request headers undici refuses to take from a caller: it manages the connection itself. */
const UNDICI_MANAGED = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "expect", "te", "proxy-connection"]);

/**
 * undici's connector (TCP + TLS, `connect_timeout` as its timeout) with Kong's connection retries
 * around it: the pool calls it for each new connection, and requests wait meanwhile.
 */
function retryingConnector(service: Service, tls: UpstreamTls | undefined): buildConnector.connector {
  const base = buildConnector({ timeout: service.connect_timeout, ...connectOptionsOf(tls) });
  return (options, callback) =>
    connectWithRetries<Socket>(
      (done) => base(options, (error, socket) => (error ? done(error) : done(null, socket as Socket))),
      service.retries,
      (error, socket) => (error ? callback(error, null) : callback(null, socket!)),
    );
}

function poolFor({ service, tls }: Upstream): Pool {
  return new Pool(originOf(service), { connections: 1024, pipelining: 1, connect: retryingConnector(service, tls) });
}

function headersFor(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !UNDICI_MANAGED.has(name)) headers[name] = value;
  return headers;
}

/**
 * The same job as `Forwarder` (http-proxy) on undici's connection pools: one pool per upstream
 * origin and connection settings, responses streamed straight into the client's response. Kept
 * behind the same interface so the two can be measured side by side (`forwarder = undici`).
 */
export class UndiciForwarder implements ForwardingEngine {
  /** undici's close() waits for the pool's queued and running requests, then closes its connections. */
  private readonly pools = new PoolRegistry<Pool>(poolFor, (pool) => void pool.close());

  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan, sends = 1): void {
    const body = plan.body ?? req;
    const hasBody = plan.body !== undefined || hasRequestBody(req.headers);
    // Only a request with a body can stall on writing: the others need no abort signal.
    const abort = hasBody ? new AbortController() : undefined;
    const stopWatching = abort
      ? watchWriteStall(body, plan.service.write_timeout, () =>
          abort.abort(new UpstreamError("write-timeout", `the upstream took none of the request body for ${plan.service.write_timeout} ms`)),
        )
      : () => undefined;
    let responseStarted = false;
    this.pools.get(plan).stream(
      {
        path: plan.upstreamUrl,
        method: req.method ?? "GET",
        headers: headersFor(req),
        body: hasBody ? body : null,
        headersTimeout: plan.service.read_timeout,
        bodyTimeout: plan.service.read_timeout,
        signal: abort?.signal,
      },
      ({ statusCode, headers: upstream }) => {
        responseStarted = true;
        const out: IncomingHttpHeaders = {};
        for (const [name, value] of Object.entries(upstream)) if (value !== undefined && name !== "transfer-encoding") out[name] = value;
        stripHopByHop(out);
        plan.onResponse?.(out, "1.1");
        res.writeHead(statusCode, out);
        return res as unknown as Writable;
      },
      (error) => {
        stopWatching();
        if (!error) return;
        if (res.headersSent) return void res.destroy();
        const next = nextTry({
          method: req.method ?? "GET",
          hasBody,
          responseStarted,
          reason: reasonOf(error),
          sends,
          retries: plan.service.retries,
          balanced: plan.retarget !== undefined,
          clientGone: clientGone(req),
          bodyKept: true,
        });
        if (next === "retarget") {
          const target = plan.retarget?.(failureOf(error, sends));
          if (target) return this.forward(req, res, { ...plan, ...target }, sends + 1);
        } else if (next === "resend") return this.forward(req, res, plan, sends + 1);
        plan.onFailure(failureOf(error, sends));
      },
    );
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, plan: ForwardPlan): void {
    // The handshake's answer is due within read_timeout, as any response.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new UpstreamError("read-timeout", `no handshake answer for ${plan.service.read_timeout} ms`)), plan.service.read_timeout);
    this.pools.get(plan).upgrade(
      { path: plan.upstreamUrl, method: "GET", headers: headersFor(req), protocol: "websocket", signal: abort.signal },
      (error, data) => {
        clearTimeout(timer);
        // undici takes only a 101 for an answer: anything else is an error here (a 502).
        if (error) return plan.onFailure(failureOf(error, 1));
        const upstream = data.socket as Socket;
        const headers: IncomingHttpHeaders = {};
        for (const [name, value] of Object.entries(data.headers)) if (value !== undefined) headers[name] = value;
        stripHopByHop(headers, true);
        plan.onResponse?.(headers, "1.1");
        const lines = ["HTTP/1.1 101 Switching Protocols"];
        for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
        splice(socket, upstream, head);
        closeWhenIdle(upstream, socket, plan.service.read_timeout);
      },
    );
  }

  retain(upstreams: readonly Upstream[]): void {
    this.pools.retain(upstreams);
  }

  close(): void {
    for (const pool of this.pools.drain()) void pool.destroy();
  }
}
