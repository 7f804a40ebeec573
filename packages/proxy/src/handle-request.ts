import type { IncomingMessage, ServerResponse } from "node:http";
import { SERVER_TOKEN, unexpectedErrorResponse, type AuthOutcome, type Logger, type PluginResponse, type Route, type Service, defaultPortOf } from "@tether/core";
import type { ForwardingEngine, ForwardPlan } from "./forward/plan.ts";
import { RequestAccessContext } from "./http/access-context.ts";
import { applyPluginHeadersOnWrite } from "./http/plugin-response-headers.ts";
import { negotiateFormat, renderError } from "./http/error-page.ts";
import { nextRequestId } from "./http/request-id.ts";
import { forwardedHttps, rewriteUpstreamHeaders } from "./http/forwarded-headers.ts";
import { decorateProxiedResponse, markArrival, setResponseLatency } from "./http/response-headers.ts";
import type { TrustedIps } from "./http/trusted-ips.ts";
import { tunnelOf } from "./http/upgrade.ts";
import { withoutQueryArgs } from "./http/query-args.ts";
import { hasInvalidPercentEncoding, normalizePath, splitRequestTarget } from "./router/normalize.ts";
import { upstreamPath } from "./router/upstream-path.ts";
import type { Snapshot } from "./snapshot/compile.ts";
import { balancePlan, NO_PEER_MESSAGE } from "./balancer/balance-plan.ts";
import { processBalancing } from "./balancer/balancing.ts";
import { hashKeyOf } from "./balancer/hash-key.ts";
import { serverNameOf } from "./tls/sni-front.ts";
import { resolveClient } from "./proxy-protocol/client-address.ts";
import type { RealIpSettings } from "./http/real-ip.ts";
import { RequestLog, type RequestObserver } from "./log/request-log.ts";
import { isHttp2 } from "./http/h2-request.ts";
import type { GrpcForwarder } from "./forward/grpc-forwarder.ts";
import { grpcAnswerHeaders, isGrpcRequest } from "./grpc/status.ts";
import { grpcRouteRefusal, isGrpcRoute } from "./grpc/route-gate.ts";

type Protocol = "http" | "https" | "grpc" | "grpcs";


const UPSTREAM_MESSAGES = {
  400: "Bad request",
  502: "An invalid response was received from the upstream server",
  503: "name resolution failed",
  504: "The upstream server is timing out",
} as const;

export interface RequestHandlerDeps {
  snapshot(): Snapshot;
  forwarder: Pick<ForwardingEngine, "forward" | "upgrade">;
  /** Services whose protocol is grpc/grpcs: HTTP/2 to the upstream. */
  grpcForwarder: Pick<GrpcForwarder, "forward">;
  /** Kong's trusted_ips: peers whose X-Forwarded-* headers are kept. */
  trustedIps: TrustedIps;
  /** Kong's real_ip_header / real_ip_recursive (default X-Real-IP, off). */
  realIp?: RealIpSettings;
  log: Logger;
  scheme: "http" | "https";
  /** The port the listener is bound to (for X-Forwarded-Port and host:port routes). */
  port: number;
  onRequest(): void;
  /** Node-wide readers of every request's log entry (access log, counters); none: no log phase cost. */
  observers?: readonly RequestObserver[];
  /** Told how an authentication plugin decided (the tether_auth_* counters); cheap, no log entry. */
  onAuthDecision?: (route: Route, service: Service, outcome: AuthOutcome) => void;
}

function sendError(req: IncomingMessage, res: ServerResponse, status: number, message: string, requestId: string, upstreamFailure: boolean): void {
  // Kong's kong.response.error() to a gRPC client: the status's name, not the message.
  if (isGrpcRequest(req.headers, req.httpVersionMajor)) return sendGrpcAnswer(res, status, grpcAnswerHeaders(status));
  const format = negotiateFormat(req.headers, upstreamFailure ? "text" : "json", upstreamFailure);
  const { type, body } = renderError(format, message, requestId);
  setResponseLatency(res);
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), Server: SERVER_TOKEN });
  res.end(body);
}

/** A trailers-only gRPC answer: set as headers and ended in one go, so one HEADERS frame ends the stream. */
function sendGrpcAnswer(res: ServerResponse, status: number, headers: Record<string, string | readonly string[]>): void {
  setResponseLatency(res);
  res.setHeader("Content-Length", 0);
  res.setHeader("Server", SERVER_TOKEN);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.end();
}

function sendPluginResponse(req: IncomingMessage, res: ServerResponse, response: PluginResponse): void {
  if (isGrpcRequest(req.headers, req.httpVersionMajor)) {
    // Kong's kong.response.exit() to a gRPC client: the body's message becomes grpc-message.
    const message = response.body !== null && typeof response.body === "object" && "message" in response.body ? response.body.message : undefined;
    return sendGrpcAnswer(res, response.status, { ...response.headers, ...grpcAnswerHeaders(response.status, typeof message === "string" ? message : undefined) });
  }
  const body = response.body === undefined ? "" : JSON.stringify(response.body);
  setResponseLatency(res);
  res.writeHead(response.status, {
    ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}),
    "Content-Length": Buffer.byteLength(body),
    Server: SERVER_TOKEN,
    ...response.headers,
  });
  res.end(body);
}

function splitHost(header: string | undefined): { host: string; port: number | undefined } {
  if (!header) return { host: "", port: undefined };
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : undefined } : { host: header, port: undefined };
}

/** The proxy's request path: route, run plugins by priority, forward. */
export function createRequestHandler(deps: RequestHandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const arrivedAt = markArrival(res);
    deps.onRequest();
    const snapshot = deps.snapshot(); // this request finishes on the snapshot it started with
    const requestId = nextRequestId();
    res.setHeader("X-Tether-Request-Id", requestId);
    const { path: rawPath, query: rawQuery } = splitRequestTarget(req.url ?? "/");
    if (hasInvalidPercentEncoding(rawPath)) return sendError(req, res, 400, UPSTREAM_MESSAGES[400], requestId, true);
    const path = normalizePath(rawPath);
    const { host } = splitHost(req.headers.host);
    // Kong's realip: the client address (404s' log entries too); trust stays on the peer.
    const { address: clientIp, peer: peerIp, trusted } = resolveClient(req, deps.trustedIps, deps.realIp);
    const observers = deps.observers ?? [];
    const logBase = { requestId, arrivedAt, scheme: deps.scheme, host, port: deps.port };
    // Until a route takes the request, its log phase is the global log plugins' (Kong: a 404 is logged by them).
    const globalLoggers = snapshot.globalLoggers.length > 0 ? snapshot.globalLoggers.filter((p) => p.instance.protocols.includes(deps.scheme)) : [];
    let requestLog = observers.length > 0 || globalLoggers.length > 0 ? new RequestLog(req, res, logBase, observers, deps.log) : undefined;
    if (requestLog) requestLog.plugins = globalLoggers;
    const sni = deps.scheme === "https" ? serverNameOf(req.socket) : undefined;
    const match = snapshot.router.match({
      method: req.method ?? "GET",
      host,
      port: deps.port,
      path,
      scheme: deps.scheme,
      headers: req.headers,
      sni,
    });
    if (!match) return sendError(req, res, 404, "no Route matched with those values", requestId, false);
    const { route, service } = match;
    // A redirect or 426 below is still this route's request in the global loggers' entry (Kong's
    // router has matched before it answers); the route's own plugins never ran, so they do not log it.
    if (requestLog) {
      requestLog.route = route;
      requestLog.service = service;
    }
    // A trusted TLS terminator in front saying the client spoke https satisfies an https-only
    // route on the plain listener (reference 2.5); plugins then run as for https.
    const scheme = deps.scheme === "http" && forwardedHttps(req.headers, trusted) && route.protocols.includes("https") ? "https" : deps.scheme;
    // The protocol plugins are chosen by: a gRPC route's requests are grpc/grpcs.
    let protocol: Protocol = scheme;

    if (isGrpcRoute(route)) {
      const https = deps.scheme === "https" || forwardedHttps(req.headers, trusted);
      const refusal = grpcRouteRefusal(route, { contentType: req.headers["content-type"], httpVersionMajor: req.httpVersionMajor, https });
      if (refusal?.kind === "grpc") return sendGrpcAnswer(res, refusal.status, refusal.headers);
      if (refusal) {
        if ("headers" in refusal) for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
        return sendError(req, res, refusal.status, refusal.message, requestId, false);
      }
      protocol = https ? "grpcs" : "grpc";
    } else if (!route.protocols.includes(scheme)) {
      if (deps.scheme === "http" && route.protocols.includes("https")) {
        if (route.https_redirect_status_code === 426) {
          // HTTP/2 has no Connection/Upgrade (RFC 9113 8.2.2): over h2c the 426 goes without them.
          if (!isHttp2(req)) {
            res.setHeader("Connection", "Upgrade");
            res.setHeader("Upgrade", "TLS/1.2, HTTP/1.1");
          }
          return sendError(req, res, 426, "Please use HTTPS protocol", requestId, false);
        }
        // Kong builds the target from `$host`, which has no port: the client's port is the plain one.
        setResponseLatency(res);
        res.writeHead(route.https_redirect_status_code, { Location: `https://${host}${rawPath}${rawQuery}`, "Content-Length": 0 });
        res.end();
        return;
      }
      return sendError(req, res, 404, "no Route matched with those values", requestId, false);
    }

    // Routes without plugins skip the plugin context altogether (the common pass-through).
    const plugins = snapshot.pluginsFor(route);
    const ctx = plugins.length > 0 ? new RequestAccessContext(req, deps.scheme, path, rawQuery, sni, trusted) : undefined;
    const loggers = plugins.filter((p) => p.handler.log !== undefined && p.instance.protocols.includes(protocol));
    if (!requestLog && loggers.length > 0) requestLog = new RequestLog(req, res, logBase, observers, deps.log);
    if (requestLog) {
      requestLog.route = route;
      requestLog.service = service;
      requestLog.ctx = ctx;
      requestLog.plugins = loggers;
    }
    if (ctx) {
      applyPluginHeadersOnWrite(res, ctx.responseHeaders);
      try {
        for (const plugin of plugins) {
          if (!plugin.instance.protocols.includes(protocol)) {
            plugin.handler.outOfScope?.(ctx);
            continue;
          }
          const response = await plugin.handler.access?.(ctx);
          if (response) {
            if (ctx.authOutcome) deps.onAuthDecision?.(route, service, ctx.authOutcome);
            return sendPluginResponse(req, res, response);
          }
        }
        if (ctx.authOutcome) deps.onAuthDecision?.(route, service, ctx.authOutcome);
      } catch (error) {
        deps.log.error("plugin failed", { route: route.id, error: String((error as Error)?.stack ?? error) });
        return sendPluginResponse(req, res, unexpectedErrorResponse);
      }
    }

    const defaultPort = defaultPortOf(service.protocol);
    // A service whose host names an upstream is balanced across its targets (balancer/).
    const balancer = snapshot.balancerFor(service);
    const lease = balancer
      ? processBalancing.lease(balancer, hashKeyOf(balancer.upstream, {
          headers: req.headers,
          clientIp,
          consumerId: ctx?.authenticated?.consumer?.id,
          path,
          query: rawQuery,
          captures: match.captures,
        }))
      : undefined;
    if (balancer && !lease) return sendError(req, res, 503, NO_PEER_MESSAGE, requestId, false);
    const tunnel = tunnelOf(req);
    rewriteUpstreamHeaders(req.headers, {
      clientIp,
      peerIp,
      trusted,
      scheme: deps.scheme,
      host: req.headers.host === undefined ? undefined : host,
      port: deps.port,
      path: rawPath,
      strippedPrefix: match.strippedPrefix,
      upstreamHost:
        route.preserve_host && req.headers.host
          ? req.headers.host
          : (balancer?.upstream.host_header ?? (service.port === defaultPort ? service.host : `${service.host}:${service.port}`)),
      requestId,
      httpVersion: req.httpVersion,
      serverToken: SERVER_TOKEN,
      webSocket: tunnel !== undefined,
    });
    for (const [name, value] of ctx?.upstreamHeaders ?? []) {
      if (value === null) delete req.headers[name];
      else req.headers[name] = value;
    }
    const forwardedAt = performance.now();
    const grpcService = service.protocol === "grpc" || service.protocol === "grpcs";
    // nginx's grpc_pass (Kong's @grpc location) sends the request's own URI: no strip_path, no service path.
    const upstreamUrl = grpcService
      ? rawPath + rawQuery
      : upstreamPath(service.path, path, match.strippedPrefix) + (ctx ? withoutQueryArgs(rawQuery, ctx.removedQueryArgs) : rawQuery);
    if (requestLog) {
      requestLog.forwardedAt = forwardedAt;
      requestLog.upstreamUri = upstreamUrl;
    }
    const plan: ForwardPlan = {
      service,
      tls: snapshot.upstreamTls(service),
      upstreamUrl,
      body: ctx?.body.upstreamStream(),
      onResponse: (headers, httpVersion) => {
        const now = performance.now();
        if (requestLog) {
          requestLog.upstreamHeadersAt = now;
          requestLog.source = "upstream";
        }
        decorateProxiedResponse(headers, { serverToken: SERVER_TOKEN, requestId, httpVersion, proxyLatencyMs: forwardedAt - arrivedAt, upstreamLatencyMs: now - forwardedAt });
      },
      onFailure: (failure) => {
        deps.log.warn("upstream failure", { service: service.id, status: failure.status, reason: failure.reason, tries: failure.tries, cause: failure.cause });
        // A name that does not resolve is Kong's own error (JSON by default); the rest are nginx's pages.
        sendError(req, res, failure.status, UPSTREAM_MESSAGES[failure.status], requestId, failure.status !== 503);
      },
    };
    const aimed = lease ? balancePlan(plan, lease, res) : plan;
    if (tunnel) deps.forwarder.upgrade(req, tunnel.socket, tunnel.head, aimed);
    else if (grpcService) deps.grpcForwarder.forward(req, res, aimed);
    else deps.forwarder.forward(req, res, aimed);
  };
}
