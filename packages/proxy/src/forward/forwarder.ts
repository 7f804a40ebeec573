import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import httpProxy from "http-proxy";
import type { Service } from "@tether/core";

/** Response headers that describe the upstream connection, not the message (RFC 9110 7.6.1). */
const HOP_BY_HOP_RESPONSE = ["connection", "keep-alive", "proxy-connection", "upgrade"];

/**
 * Drops the upstream's connection-scoped response headers (and those its `Connection` names), so
 * e.g. the upstream's `Keep-Alive: timeout=60` never reaches the client.
 */
export function stripHopByHopResponseHeaders(headers: IncomingMessage["headers"]): void {
  const named = String(headers["connection"] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const name of [...HOP_BY_HOP_RESPONSE, ...named]) delete headers[name];
}

/** Why forwarding failed, as the proxy reports it: 502 (bad gateway) or 504 (timed out). */
export type ForwardFailure = { status: 502 | 504; cause: string };

export interface ForwardPlan {
  service: Service;
  /** Path and query to request upstream. */
  upstreamUrl: string;
  /** The body to send when a plugin buffered it (http-proxy's `buffer`); else the request streams. */
  body?: Readable | undefined;
  onFailure(failure: ForwardFailure): void;
}

/**
 * Forwarding with http-proxy over keep-alive agents (its default agent sends `Connection: close`
 * and so opens a connection per request). Header rewriting is done by the caller on `req.headers`.
 */
export class Forwarder {
  private readonly proxy = httpProxy.createProxyServer({ xfwd: false, ws: false, changeOrigin: false });
  private readonly plans = new WeakMap<IncomingMessage, ForwardPlan>();
  private readonly timedOut = new WeakSet<IncomingMessage>();
  readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: "lifo" });
  readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: "lifo" });

  constructor() {
    this.proxy.on("proxyReq", (proxyReq, req) => {
      const plan = this.plans.get(req);
      if (!plan) return;
      // The service's read_timeout bounds how long the upstream may stay silent.
      proxyReq.setTimeout(plan.service.read_timeout, () => {
        this.timedOut.add(req);
        proxyReq.destroy(new Error("upstream timed out"));
      });
    });
    this.proxy.on("proxyRes", (proxyRes, req, res) => {
      const hint = proxyRes.headers["keep-alive"];
      stripHopByHopResponseHeaders(proxyRes.headers);
      // The agent reads the upstream's Keep-Alive hint when the socket returns to the pool, which
      // Node does only after the response's 'end' handlers ran: give it back for that.
      if (hint !== undefined) proxyRes.once("end", () => (proxyRes.headers["keep-alive"] = hint));
      // http-proxy answers the client with `req.headers.connection`, which by now holds the
      // upstream's `keep-alive`: restore the client's own wish (HTTP version + its Connection).
      req.headers["connection"] = res.shouldKeepAlive ? "keep-alive" : "close";
    });
  }

  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void {
    const { service } = plan;
    this.plans.set(req, plan);
    req.url = plan.upstreamUrl;
    const secure = service.protocol === "https";
    this.proxy.web(
      req,
      res,
      {
        target: { protocol: secure ? "https:" : "http:", host: service.host, port: service.port },
        agent: secure ? this.httpsAgent : this.httpAgent,
        secure: service.tls_verify ?? false,
        proxyTimeout: 0,
        // Send req.url as computed; otherwise http-proxy re-parses it with url.parse, which turns a
        // backslash in the path into `/`.
        toProxy: true,
        ...(plan.body ? { buffer: plan.body } : {}),
      },
      (error: Error) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        plan.onFailure(this.timedOut.has(req) ? { status: 504, cause: error.message } : { status: 502, cause: error.message });
      },
    );
  }

  close(): void {
    this.proxy.close();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
