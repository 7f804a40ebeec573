import type { IncomingMessage, ServerResponse } from "node:http";
import { SERVER_TOKEN, unexpectedErrorResponse, type AuthOutcome, type Logger, type PluginResponse, type Route, type Service } from "@tether/core";
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
import { serverNameOf } from "./tls/sni-front.ts";
import { clientAddressOf } from "./proxy-protocol/client-address.ts";
import { RequestLog, type RequestObserver } from "./log/request-log.ts";


const UPSTREAM_MESSAGES = {
  400: "Bad request",
  502: "An invalid response was received from the upstream server",
  503: "name resolution failed",
  504: "The upstream server is timing out",
} as const;

export interface RequestHandlerDeps {
  snapshot(): Snapshot;
  forwarder: Pick<ForwardingEngine, "forward" | "upgrade">;
  /** Kong's trusted_ips: peers whose X-Forwarded-* headers are kept. */
  trustedIps: TrustedIps;
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
  const format = negotiateFormat(req.headers, upstreamFailure ? "text" : "json", upstreamFailure);
  const { type, body } = renderError(format, message, requestId);
  setResponseLatency(res);
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), Server: SERVER_TOKEN });
  res.end(body);
}

function sendPluginResponse(res: ServerResponse, response: PluginResponse): void {
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
    const clientIp = clientAddressOf(req.socket);
    const trusted = deps.trustedIps(clientIp);
    // A trusted TLS terminator in front saying the client spoke https satisfies an https-only
    // route on the plain listener (reference 2.5); plugins then run as for https.
    const scheme = deps.scheme === "http" && forwardedHttps(req.headers, trusted) && route.protocols.includes("https") ? "https" : deps.scheme;

    if (!route.protocols.includes(scheme)) {
      if (deps.scheme === "http" && route.protocols.includes("https")) {
        if (route.https_redirect_status_code === 426) {
          res.setHeader("Connection", "Upgrade");
          res.setHeader("Upgrade", "TLS/1.2, HTTP/1.1");
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
    const loggers = plugins.filter((p) => p.handler.log !== undefined && p.instance.protocols.includes(scheme));
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
          if (!plugin.instance.protocols.includes(scheme)) {
            plugin.handler.outOfScope?.(ctx);
            continue;
          }
          const response = await plugin.handler.access?.(ctx);
          if (response) {
            if (ctx.authOutcome) deps.onAuthDecision?.(route, service, ctx.authOutcome);
            return sendPluginResponse(res, response);
          }
        }
        if (ctx.authOutcome) deps.onAuthDecision?.(route, service, ctx.authOutcome);
      } catch (error) {
        deps.log.error("plugin failed", { route: route.id, error: String((error as Error)?.stack ?? error) });
        return sendPluginResponse(res, unexpectedErrorResponse);
      }
    }

    const defaultPort = service.protocol === "https" ? 443 : 80;
    const tunnel = tunnelOf(req);
    rewriteUpstreamHeaders(req.headers, {
      clientIp: clientIp ?? "",
      trusted,
      scheme: deps.scheme,
      host: req.headers.host === undefined ? undefined : host,
      port: deps.port,
      path: rawPath,
      strippedPrefix: match.strippedPrefix,
      upstreamHost: route.preserve_host && req.headers.host ? req.headers.host : service.port === defaultPort ? service.host : `${service.host}:${service.port}`,
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
    const upstreamUrl = upstreamPath(service.path, path, match.strippedPrefix) + (ctx ? withoutQueryArgs(rawQuery, ctx.removedQueryArgs) : rawQuery);
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
    if (tunnel) deps.forwarder.upgrade(req, tunnel.socket, tunnel.head, plan);
    else deps.forwarder.forward(req, res, plan);
  };
}
