import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

type Headers = IncomingHttpHeaders | OutgoingHttpHeaders;

/**
 * Connection-scoped headers (RFC 9110 7.6.1) that must not cross the proxy in either direction.
 * `Transfer-Encoding` is not here: Node re-frames each side's body itself and needs the request's
 * value to know a body follows. `Proxy` is here for httpoxy (CVE-2016-5385): a CGI-style upstream
 * would read it as HTTP_PROXY.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "upgrade", "proxy"]);

/** Never dropped because a `Connection` header names them: they frame the message itself. */
const FRAMING = new Set(["content-length", "transfer-encoding"]);

function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith("proxy-");
}

/** The header names a `Connection` header lists (`Connection: close, X-Foo` names `x-foo`). */
export function connectionTokens(value: Headers[string]): string[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(",") : String(value);
  return text
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/** `Connection` values that name no header to remove: the common case skips the token split. */
const PLAIN_CONNECTION = new Set(["keep-alive", "close", "Keep-Alive", "Close", "upgrade", "Upgrade"]);

/** First letters of the hop-by-hop names (c, k, t, u, p): most headers are passed over on one compare. */
const FIRST_LETTERS = new Set(["c", "k", "t", "u", "p"].map((c) => c.charCodeAt(0)));

/**
 * Removes hop-by-hop headers and those `Connection` names, in place. With `keepUpgrade` (a WebSocket
 * handshake, either way) `Connection` and `Upgrade` stay: the caller sets them as the tunnel needs.
 * Runs twice per proxied request, so it avoids allocating in the usual case.
 */
export function stripHopByHop(headers: Headers, keepUpgrade = false): void {
  const connection = headers["connection"];
  if (connection !== undefined && !(typeof connection === "string" && PLAIN_CONNECTION.has(connection)))
    for (const name of connectionTokens(connection)) if (!FRAMING.has(name) && !(keepUpgrade && name === "upgrade")) delete headers[name];
  for (const name in headers) {
    if (!FIRST_LETTERS.has(name.charCodeAt(0)) || !isHopByHop(name)) continue;
    if (keepUpgrade && (name === "connection" || name === "upgrade")) continue;
    delete headers[name];
  }
}

/** True for a request asking for a WebSocket tunnel (`Upgrade: websocket`, any case). */
export function isWebSocketUpgrade(headers: IncomingHttpHeaders): boolean {
  const upgrade = headers["upgrade"];
  return typeof upgrade === "string" && upgrade.split(",").some((p) => p.trim().toLowerCase() === "websocket");
}
