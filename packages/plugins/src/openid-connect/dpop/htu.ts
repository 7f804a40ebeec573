/** RFC 3986 unreserved characters: percent-encoding them is not significant (section 6.2.2.2). */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The form in which a DPoP `htu` and the request URI are compared (RFC 9449 section 4.3, point
 * 9): query and fragment dropped; scheme and host lower-cased and a default port removed, dot
 * segments resolved (the WHATWG parser does these); percent-encoded unreserved characters decoded
 * and other escapes upper-cased (RFC 3986 6.2.2); repeated slashes collapsed, as the router does
 * to the request path. Undefined for anything but an absolute http(s) URI without user info.
 */
export function normalizeHttpUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "" || url.host === "") return undefined;
  const path = url.pathname
    .replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
      const ch = String.fromCharCode(parseInt(hex, 16));
      return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    })
    .replace(/\/{2,}/g, "/");
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The URI the client addressed, as Tether received it: the listener's scheme, the `Host` header
 * (with its port when not the default) and the (router-normalized) path. Undefined without a Host.
 */
export function requestUri(scheme: "http" | "https", host: string | undefined, path: string): string | undefined {
  if (!host) return undefined;
  return normalizeHttpUri(`${scheme}://${host}${path}`);
}

/** The first value of a (possibly repeated, comma-separated) forwarding header. */
function firstForwarded(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  const first = raw?.split(",")[0]?.trim();
  return first ? first : undefined;
}

/**
 * The URI the client addressed (RFC 9449 4.3: behind a proxy, the external one). From a peer in
 * `trusted_ips`, a TLS terminator's `X-Forwarded-Proto`, `X-Forwarded-Host` and
 * `X-Forwarded-Port` say it, as Kong's `kong.request.get_forwarded_*` read them; from anyone
 * else they are ignored and the request as received decides (requestUri).
 */
export function addressedUri(
  request: { scheme: "http" | "https"; headers: Readonly<Record<string, string | string[] | undefined>>; path: string },
  peerTrusted: boolean,
): string | undefined {
  const { headers } = request;
  if (!peerTrusted) return requestUri(request.scheme, firstForwarded(headers["host"]), request.path);
  const proto = firstForwarded(headers["x-forwarded-proto"])?.toLowerCase();
  const scheme = proto === "https" || proto === "http" ? proto : request.scheme;
  const forwardedHost = firstForwarded(headers["x-forwarded-host"]);
  const port = firstForwarded(headers["x-forwarded-port"]);
  const host = forwardedHost ?? firstForwarded(headers["host"]);
  if (!host) return undefined;
  // X-Forwarded-Port names the port the client used; a host that already has one keeps it.
  const withPort = port && /^\d+$/.test(port) && !/:\d+$/.test(host) ? `${host}:${port}` : host;
  return requestUri(scheme, withPort, request.path);
}
