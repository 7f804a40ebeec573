import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/**
 * Kong's latency header names are kept verbatim: dashboards and scripts written for Kong grep for
 * `X-Kong-*-Latency`, and they mean the same here (milliseconds, whole numbers).
 */
export const LATENCY_HEADERS = {
  upstream: "x-kong-upstream-latency",
  proxy: "x-kong-proxy-latency",
  response: "x-kong-response-latency",
} as const;

export interface ProxiedResponseFacts {
  serverToken: string;
  requestId: string;
  /** The upstream response's HTTP version, for the `Via` entry. */
  httpVersion: string;
  /** ms from the request's arrival until it was handed to the forwarder (routing, plugins). */
  proxyLatencyMs: number;
  /** ms from then until the upstream's response headers arrived (connect included). */
  upstreamLatencyMs: number;
}

export const wholeMs = (ms: number): number => Math.max(0, Math.round(ms));

/**
 * Kong's downstream headers on a proxied response (reference 2.7), set on the upstream's header
 * object before it is written: `Via` appended to the upstream's, the latencies, the request id,
 * and `Server` only when the upstream sent none.
 */
export function decorateProxiedResponse(headers: IncomingHttpHeaders | OutgoingHttpHeaders, facts: ProxiedResponseFacts): void {
  const via = `${facts.httpVersion} ${facts.serverToken}`;
  const previous = headers["via"];
  headers["via"] = previous ? `${String(previous)}, ${via}` : via;
  headers[LATENCY_HEADERS.upstream] = String(wholeMs(facts.upstreamLatencyMs));
  headers[LATENCY_HEADERS.proxy] = String(wholeMs(facts.proxyLatencyMs));
  headers["x-tether-request-id"] = facts.requestId;
  if (headers["server"] === undefined) headers["server"] = facts.serverToken;
}

const arrivals = new WeakMap<object, number>();

/** Notes when the request behind `res` arrived, for the latency headers. */
export function markArrival(res: object, at = performance.now()): number {
  arrivals.set(res, at);
  return at;
}

/**
 * `X-Kong-Response-Latency` on a response the gateway makes itself (an error page, a plugin's
 * answer, a redirect): ms since the request arrived. Kong sends no Via nor upstream latency then.
 */
export function setResponseLatency(res: { setHeader(name: string, value: string): unknown }): void {
  const at = arrivals.get(res);
  if (at !== undefined) res.setHeader(LATENCY_HEADERS.response, String(wholeMs(performance.now() - at)));
}
