import type { IncomingMessage, ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { Pool, errors } from "undici";
import type { Service } from "@tether/core";
import type { ForwardPlan } from "./forwarder.ts";

/** Request headers undici refuses to take from a caller: it manages the connection itself. */
const UNDICI_MANAGED = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "expect", "te", "proxy-connection"]);
/** Response headers that describe the upstream connection, not the message. */
const HOP_BY_HOP_RESPONSE = new Set(["connection", "keep-alive", "proxy-connection", "upgrade", "transfer-encoding"]);

const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * The same job as `Forwarder` (http-proxy) on undici's connection pools: one pool per upstream
 * origin, responses streamed straight into the client's response. Kept behind the same interface
 * so the two can be measured side by side (`forwarder = undici`).
 */
export class UndiciForwarder {
  private readonly pools = new Map<string, Pool>();

  private pool(service: Service): Pool {
    const secure = service.protocol === "https";
    const origin = `${secure ? "https" : "http"}://${service.host.includes(":") ? `[${service.host}]` : service.host}:${service.port}`;
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 1024,
        pipelining: 1,
        connect: { rejectUnauthorized: service.tls_verify ?? false, timeout: service.connect_timeout },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !UNDICI_MANAGED.has(name)) headers[name] = value;
    const hasBody = req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
    this.pool(plan.service).stream(
      {
        path: plan.upstreamUrl,
        method: req.method ?? "GET",
        headers,
        body: hasBody ? req : null,
        headersTimeout: plan.service.read_timeout,
        bodyTimeout: plan.service.read_timeout,
      },
      ({ statusCode, headers: upstream }) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(upstream)) if (value !== undefined && !HOP_BY_HOP_RESPONSE.has(name)) out[name] = value;
        res.writeHead(statusCode, out);
        return res as unknown as Writable;
      },
      (error) => {
        if (!error) return;
        if (res.headersSent) return void res.destroy();
        const code = (error as { code?: string }).code ?? "";
        plan.onFailure({ status: TIMEOUTS.has(code) || error instanceof errors.HeadersTimeoutError ? 504 : 502, cause: error.message });
      },
    );
  }

  close(): void {
    for (const pool of this.pools.values()) void pool.destroy();
    this.pools.clear();
  }
}
