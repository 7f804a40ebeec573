import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import httpProxy from "http-proxy";
import { stripHopByHop } from "../http/hop-by-hop.ts";
import { AgentPool } from "./agents.ts";
import { failureOf, reasonOf } from "./failure.ts";
import type { ForwardingEngine, ForwardPlan, Upstream } from "./plan.ts";
import { clientGone, hasRequestBody, nextTry } from "./retry-policy.ts";
import { closeWhenIdle } from "./tunnel.ts";
import { armUpstreamTimeouts } from "./upstream-timeouts.ts";

export type { ForwardFailure } from "./failure.ts";
export type { ForwardPlan } from "./plan.ts";

/** What the engine keeps about one client request across its tries. */
interface Tries {
  plan: ForwardPlan;
  /** The request streams a body upstream (the write timeout watches it). */
  hasBody: boolean;
  /** Times the request was handed a connection and sent (connection retries are the agent's). */
  sends: number;
  responseStarted: boolean;
}

/**
 * Forwarding with http-proxy over keep-alive agents (its default agent sends `Connection: close`
 * and so opens a connection per request). Header rewriting is done by the caller on `req.headers`;
 * connect_timeout and connection retries are the agents' (agents.ts), read/write timeouts are
 * armed per upstream request (upstream-timeouts.ts). Bodies stream both ways through pipes, so
 * memory stays flat whatever their size.
 */
export class Forwarder implements ForwardingEngine {
  private readonly proxy = httpProxy.createProxyServer({ xfwd: false, ws: false, changeOrigin: false });
  private readonly tries = new WeakMap<IncomingMessage, Tries>();
  private readonly agents = new AgentPool();

  constructor() {
    this.proxy.on("proxyReq", (proxyReq, req) => {
      const state = this.tries.get(req);
      if (state) armUpstreamTimeouts(proxyReq, state.hasBody ? (state.plan.body ?? req) : undefined, state.plan.service);
    });
    this.proxy.on("proxyReqWs", (proxyReq, req, socket) => {
      const state = this.tries.get(req);
      if (!state) return;
      const { service } = state.plan;
      armUpstreamTimeouts(proxyReq, undefined, service);
      // Registered before http-proxy's own 'upgrade' listener, so it runs first: the 101's
      // headers can still be changed, and the tunnel's idle timeout is set once http-proxy has
      // reset the socket's (setupSocket sets 0).
      proxyReq.once("upgrade", (proxyRes: IncomingMessage, proxySocket: Socket) => {
        state.responseStarted = true;
        stripHopByHop(proxyRes.headers, true);
        state.plan.onResponse?.(proxyRes.headers, proxyRes.httpVersion);
        process.nextTick(() => closeWhenIdle(proxySocket, socket, service.read_timeout));
      });
      proxyReq.once("response", () => (state.responseStarted = true));
    });
    this.proxy.on("proxyRes", (proxyRes, req, res) => {
      const state = this.tries.get(req);
      if (state) state.responseStarted = true;
      const hint = proxyRes.headers["keep-alive"];
      stripHopByHop(proxyRes.headers);
      state?.plan.onResponse?.(proxyRes.headers, proxyRes.httpVersion);
      // The agent reads the upstream's Keep-Alive hint when the socket returns to the pool, which
      // Node does only after the response's 'end' handlers ran: give it back for that.
      if (hint !== undefined) proxyRes.once("end", () => (proxyRes.headers["keep-alive"] = hint));
      // http-proxy answers the client with `req.headers.connection`, which by now holds the
      // upstream's `keep-alive`: restore the client's own wish (HTTP version + its Connection).
      req.headers["connection"] = res.shouldKeepAlive ? "keep-alive" : "close";
    });
  }

  private options(plan: ForwardPlan): httpProxy.ServerOptions {
    const { service } = plan;
    const secure = service.protocol === "https";
    return {
      target: { protocol: secure ? "https:" : "http:", host: service.host, port: service.port },
      agent: this.agents.get(plan),
      // The agent applies the service's TLS (verification included) to each new connection.
      secure: plan.tls?.options.rejectUnauthorized ?? false,
      proxyTimeout: 0,
      // Send req.url as computed; otherwise http-proxy re-parses it with url.parse, which turns a
      // backslash in the path into `/`.
      toProxy: true,
      ...(plan.body ? { buffer: plan.body } : {}),
    };
  }

  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void {
    const hasBody = plan.body !== undefined || hasRequestBody(req.headers);
    const state: Tries = { plan, hasBody, sends: 1, responseStarted: false };
    this.tries.set(req, state);
    req.url = plan.upstreamUrl;
    const send = (): void => this.proxy.web(req, res, this.options(state.plan), onError);
    const onError = (error: Error): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const next = nextTry({
        method: req.method ?? "GET",
        hasBody,
        responseStarted: state.responseStarted,
        reason: reasonOf(error),
        sends: state.sends,
        retries: state.plan.service.retries,
        balanced: state.plan.retarget !== undefined,
        clientGone: clientGone(req),
        bodyKept: false,
      });
      const target = next === "retarget" ? state.plan.retarget?.(failureOf(error, state.sends)) : undefined;
      if (target) state.plan = { ...state.plan, ...target };
      if (target || next === "resend") {
        state.sends++;
        send();
        return;
      }
      plan.onFailure(failureOf(error, state.sends));
    };
    send();
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, plan: ForwardPlan): void {
    const state: Tries = { plan, hasBody: false, sends: 1, responseStarted: false };
    this.tries.set(req, state);
    req.url = plan.upstreamUrl;
    this.proxy.ws(req, socket, head, this.options(plan), (error: Error) => {
      // After the 101 (or a non-101 answer) went out, the client's socket is all there is to close.
      if (state.responseStarted) socket.destroy();
      else plan.onFailure(failureOf(error, state.sends));
    });
  }

  retain(upstreams: readonly Upstream[]): void {
    this.agents.retain(upstreams);
  }

  close(): void {
    this.proxy.close();
    this.agents.destroy();
  }
}
