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
