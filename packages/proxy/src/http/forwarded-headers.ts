import type { IncomingHttpHeaders } from "node:http";
import { stripHopByHop } from "./hop-by-hop.ts";

export interface ForwardedFacts {
  /** The client address after Kong's realip (`$remote_addr`): X-Real-IP. */
  clientIp: string;
  /** The connecting peer (`$realip_remote_addr`): appended to an incoming X-Forwarded-For. */
  peerIp: string;
  /** The peer is in `trusted_ips`: the X-Forwarded-* headers it sent are kept. */
  trusted: boolean;
  scheme: "http" | "https";
  /** The client's Host without its port; undefined when it sent none (HTTP/1.0). */
  host: string | undefined;
  /** The listener's port. */
  port: number;
  /** The request path as received (not normalized), without the query string. */
  path: string;
  /** What strip_path removed, if anything. */
  strippedPrefix: string | undefined;
  upstreamHost: string;
  requestId: string;
  /** The client's HTTP version (`1.1`), for the `Via` entry Tether adds. */
  httpVersion: string;
  /** `tether/<version>`. */
  serverToken: string;
  /** A WebSocket handshake: `Connection`/`Upgrade` are set for the tunnel instead of dropped. */
  webSocket: boolean;
}

/** A header's first value (Node joins repeated X-Forwarded-* with ", "; Kong reads the first). */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Rewrites request headers for the upstream as Kong does (reference 2.7, kong/runloop/handler.lua).
 * Client-supplied X-Forwarded-Proto/Host/Port/Path/Prefix survive only from a trusted peer;
 * X-Forwarded-For is always appended to, with the peer (`$realip_remote_addr`), or is the client
 * address alone; X-Real-IP is the client address (proxy-protocol/client-address.ts).
 */
export function rewriteUpstreamHeaders(headers: IncomingHttpHeaders, facts: ForwardedFacts): void {
  stripHopByHop(headers, facts.webSocket);
  // Node already answered the client's `Expect: 100-continue`; like nginx, the expectation is
  // met at this hop and not passed on (undici refuses it anyway, http-proxy would skip its hooks).
  delete headers["expect"];
  const claimed = (name: string): string | undefined => (facts.trusted ? first(headers[name]) : undefined);

  const previous = headers["x-forwarded-for"];
  headers["x-forwarded-for"] = previous ? `${String(previous)}, ${facts.peerIp}` : facts.clientIp;
  headers["x-real-ip"] = facts.clientIp;
  headers["x-forwarded-proto"] = claimed("x-forwarded-proto") ?? facts.scheme;
  const host = claimed("x-forwarded-host") ?? facts.host;
  if (host !== undefined) headers["x-forwarded-host"] = host;
  else delete headers["x-forwarded-host"];
  headers["x-forwarded-port"] = claimed("x-forwarded-port") ?? String(facts.port);
  headers["x-forwarded-path"] = claimed("x-forwarded-path") ?? facts.path;
  const prefix = claimed("x-forwarded-prefix") ?? (facts.strippedPrefix && facts.strippedPrefix !== "/" ? facts.strippedPrefix : undefined);
  if (prefix !== undefined) headers["x-forwarded-prefix"] = prefix;
  else delete headers["x-forwarded-prefix"];

  const via = `${facts.httpVersion} ${facts.serverToken}`;
  headers["via"] = headers["via"] ? `${headers["via"]}, ${via}` : via;
  headers["x-tether-request-id"] = facts.requestId;
  headers["host"] = facts.upstreamHost;
  if (facts.webSocket) {
    // Kong's `$upstream_connection` / `$upstream_upgrade` for a WebSocket handshake.
    headers["connection"] = "upgrade";
    headers["upgrade"] = "websocket";
  } else headers["connection"] = "keep-alive";
}

/** True when a trusted peer says the client spoke https to it (an https-only route accepts that). */
export function forwardedHttps(headers: IncomingHttpHeaders, trusted: boolean): boolean {
  return trusted && first(headers["x-forwarded-proto"])?.trim().toLowerCase() === "https";
}
