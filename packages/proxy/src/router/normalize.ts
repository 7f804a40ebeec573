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
