/**
 * RFC 3986 normalization of a request path before matching (Kong 2.3): percent-encoded
 * unreserved characters decoded, other triplets upper-cased, dot segments removed, and
 * duplicate slashes merged.
 */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function normalizePath(raw: string): string {
  let decoded = raw.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
  decoded = decoded.replace(/\/{2,}/g, "/");
  return removeDotSegments(decoded.startsWith("/") ? decoded : `/${decoded}`);
}

/** RFC 3986 section 5.2.4 on an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split("/").slice(1);
  const out: string[] = [];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === ".") {
      if (last) out.push("");
    } else if (segment === "..") {
      out.pop();
      if (last) out.push("");
    } else out.push(segment);
  }
  return `/${out.join("/")}`;
}

/**
 * Splits a request target into its raw path and query (with the `?`). An absolute-form target
 * (`GET http://host/p?q HTTP/1.1`, RFC 9112 3.2.2) contributes only its path and query, as
 * nginx's `$request_uri` does; otherwise its scheme and authority would be routed as a path.
 */
export function splitRequestTarget(target: string): { path: string; query: string } {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/.exec(target);
  const rest = absolute ? target.slice(absolute[0].length) : target;
  const q = rest.indexOf("?");
  const path = q === -1 ? rest : rest.slice(0, q);
  return { path: path.startsWith("/") ? path : `/${path}`, query: q === -1 ? "" : rest.slice(q) };
}

/** A `%` not followed by two hex digits: nginx refuses such a path with 400 before Kong routes it. */
export function hasInvalidPercentEncoding(rawPath: string): boolean {
  return /%(?![0-9A-Fa-f]{2})/.test(rawPath);
}
