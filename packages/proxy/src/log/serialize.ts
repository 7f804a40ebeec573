import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Consumer, LogEntry, Route, Service } from "@tether/core";
import { wholeMs } from "../http/response-headers.ts";

/** Everything known about a request once its response is over: the serializer's input. */
export interface RequestFacts {
  requestId: string;
  /** ms since the epoch, at arrival. */
  startedAt: number;
  /** performance.now() marks: arrival, handed to the forwarder, upstream response head, end. */
  arrivedAt: number;
  forwardedAt: number | undefined;
  upstreamHeadersAt: number | undefined;
  finishedAt: number;
  scheme: "http" | "https";
  host: string;
  port: number;
  method: string;
  /** The request target as received (path and query). */
  target: string;
  headers: IncomingHttpHeaders;
  rawHeaders: readonly string[];
  httpVersion: string;
  clientIp: string;
  tls: LogEntry["request"]["tls"];
  route: Route | undefined;
  service: Service | undefined;
  consumer: Consumer | undefined;
  upstreamUri: string | undefined;
  upstreamTarget: { ip: string; port: number } | undefined;
  status: number;
  responseHeaders: OutgoingHttpHeaders;
  bytesSent: number;
  source: "kong" | "upstream";
}

export const REDACTED = "REDACTED";

/**
 * Request headers never logged as sent. Kong redacts Authorization and Proxy-Authorization; a
 * session cookie is a credential too (issue 9: no token, cookie or secret in any log line).
 */
const SECRET_REQUEST_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);
const SECRET_RESPONSE_HEADERS = new Set(["set-cookie"]);
/** Query arguments that carry credentials (openid-connect's token locations, OAuth's parameters). */
const SECRET_ARGUMENTS = new Set(["access_token", "id_token", "refresh_token", "token", "client_secret", "password", "code", "jwt", "session"]);

function headerRecord(headers: OutgoingHttpHeaders, secret: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = secret.has(key) ? REDACTED : Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/**
 * The request headers as the client sent them (Kong's `kong.request.get_headers()`): from the raw
 * lines, since the proxy rewrites `req.headers` for the upstream (Host, X-Forwarded-*, plugins'
 * upstream headers, which could carry a token under any name). Lower-case names; a repeated
 * header is a list, as in Kong's table.
 */
function rawHeaderRecord(raw: readonly string[], secret: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase();
    const value = secret.has(key) ? REDACTED : raw[i + 1]!;
    const previous = Object.hasOwn(out, key) ? out[key] : undefined;
    const next = previous === undefined ? value : secret.has(key) ? REDACTED : [...(Array.isArray(previous) ? previous : [previous]), value];
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The query string with credential arguments' values replaced (names and order kept). */
export function redactQuery(query: string): string {
  if (!query) return query;
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, " "));
      } catch {
        // keep the raw name
      }
      return eq >= 0 && SECRET_ARGUMENTS.has(decoded.toLowerCase()) ? `${name}=${REDACTED}` : pair;
    })
    .join("&");
}

/** A request target (path?query) with its credential arguments redacted. */
export function redactTarget(target: string): string {
  const q = target.indexOf("?");
  return q < 0 ? target : `${target.slice(0, q)}?${redactQuery(target.slice(q + 1))}`;
}

/** Kong's querystring table: repeated names become lists, a name without `=` is `true`. */
function queryRecord(query: string): Record<string, string | string[] | true> {
  const out: Record<string, string | string[] | true> = {};
  if (!query) return out;
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, " "));
      } catch {
        return s;
      }
    };
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value: string | true = eq < 0 ? true : decode(pair.slice(eq + 1));
    const previous = Object.hasOwn(out, name) ? out[name] : undefined;
    const next = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [String(previous)]), String(value)];
    Object.defineProperty(out, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Bytes of the request line and headers as received, plus the declared body. */
function requestSize(facts: RequestFacts): number {
  let size = `${facts.method} ${facts.target} HTTP/${facts.httpVersion}\r\n`.length + 2;
  for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) size += facts.rawHeaders[i]!.length + facts.rawHeaders[i + 1]!.length + 4;
  const length = Number(facts.headers["content-length"]);
  return size + (Number.isFinite(length) ? length : 0);
}

/** Kong's `kong.log.serialize()` for one request, credentials redacted. Pure. */
export function serializeLogEntry(facts: RequestFacts): LogEntry {
  const target = redactTarget(facts.target);
  const q = target.indexOf("?");
  const proxied = facts.forwardedAt !== undefined && facts.upstreamHeadersAt !== undefined;
  const entry: LogEntry = {
    request: {
      id: facts.requestId,
      uri: target,
      // Kong: `$scheme://$host:<the listener's port>` + uri; nginx's $host is lower case.
      url: `${facts.scheme}://${facts.host.toLowerCase()}:${facts.port}${target}`,
      querystring: queryRecord(q < 0 ? "" : target.slice(q + 1)),
      method: facts.method,
      headers: rawHeaderRecord(facts.rawHeaders, SECRET_REQUEST_HEADERS),
      size: requestSize(facts),
      ...(facts.tls ? { tls: facts.tls } : {}),
    },
    upstream_uri: facts.upstreamUri === undefined ? "" : redactTarget(facts.upstreamUri),
    // Kong: `$upstream_status or ""`: empty when the upstream never answered.
    upstream_status: proxied ? String(facts.status) : "",
    response: { status: facts.status, headers: headerRecord(facts.responseHeaders, SECRET_RESPONSE_HEADERS), size: facts.bytesSent },
    latencies: {
      kong: wholeMs((facts.forwardedAt ?? facts.finishedAt) - facts.arrivedAt),
      proxy: proxied ? wholeMs(facts.upstreamHeadersAt! - facts.forwardedAt!) : -1,
      request: wholeMs(facts.finishedAt - facts.arrivedAt),
      receive: proxied ? wholeMs(facts.finishedAt - facts.upstreamHeadersAt!) : 0,
    },
    client_ip: facts.clientIp,
    started_at: facts.startedAt,
    source: facts.source,
    workspace: DEFAULT_WORKSPACE_ID,
    workspace_name: "default",
  };
  // Kong's balancer tries: only when the request got as far as the balancer; a last try that
  // failed (502/504 from the gateway) says so.
  if (facts.upstreamTarget && facts.forwardedAt !== undefined) {
    const balancerStart = facts.startedAt + (facts.forwardedAt - facts.arrivedAt);
    const failed = !proxied && facts.status > 499 ? { state: "failed", code: facts.status } : {};
    entry.tries = [{ balancer_start: Math.floor(balancerStart), ...facts.upstreamTarget, balancer_latency: 0, ...failed }];
  }
  if (facts.route) entry.route = facts.route;
  if (facts.service) entry.service = facts.service;
  if (facts.consumer) {
    entry.consumer = facts.consumer;
    entry.authenticated_entity = { id: facts.consumer.id, consumer_id: facts.consumer.id };
  }
  return entry;
}

/** Tether has one workspace; its id is fixed so logs and metrics agree across nodes and restarts. */
export const DEFAULT_WORKSPACE_ID = "00000000-0000-4000-8000-000000000000";
