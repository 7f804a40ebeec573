import type { IncomingHttpHeaders } from "node:http";

/** Connection-scoped headers that must not cross the proxy (RFC 9110 7.6.1). */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization"];

export interface ForwardedFacts {
  clientIp: string;
  scheme: "http" | "https";
  host: string | undefined;
  port: number;
  upstreamHost: string;
}

/** Rewrites request headers for the upstream as Kong does (reference 2.7). */
export function rewriteUpstreamHeaders(headers: IncomingHttpHeaders, facts: ForwardedFacts): void {
  const named = String(headers["connection"] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const name of [...HOP_BY_HOP, ...named]) delete headers[name];
  const previous = headers["x-forwarded-for"];
  headers["x-forwarded-for"] = previous ? `${String(previous)}, ${facts.clientIp}` : facts.clientIp;
  headers["x-real-ip"] = facts.clientIp;
  headers["x-forwarded-proto"] = facts.scheme;
  if (facts.host !== undefined) headers["x-forwarded-host"] = facts.host;
  else delete headers["x-forwarded-host"];
  headers["x-forwarded-port"] = String(facts.port);
  headers["host"] = facts.upstreamHost;
  headers["connection"] = "keep-alive";
}
