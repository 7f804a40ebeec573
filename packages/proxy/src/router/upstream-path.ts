/**
 * Kong's v0 upstream URI (reference 2.4): `base` is the service path (or "/"), `prefix` the part of
 * the request path the route matched when strip_path is on.
 */
export function upstreamPath(servicePath: string | null, requestPath: string, strippedPrefix: string | undefined): string {
  const base = servicePath ?? "/";
  const baseSlash = base.endsWith("/");
  if (strippedPrefix === undefined) {
    if (baseSlash) return base + requestPath.slice(1);
    return requestPath === "/" ? base : base + requestPath;
  }
  const postfix = sanitizePostfix(requestPath.slice(strippedPrefix.length));
  if (baseSlash) {
    if (postfix === "") {
      if (base === "/") return "/";
      return requestPath.endsWith("/") ? base : base.slice(0, -1);
    }
    if (postfix.startsWith("/")) return base.slice(0, -1) + postfix;
    return base + postfix;
  }
  if (postfix === "") return requestPath.length > 1 && requestPath.endsWith("/") ? `${base}/` : base;
  if (postfix.startsWith("/")) return base + postfix;
  return `${base}/${postfix}`;
}

/** Kong's `sanitize_uri_postfix`: a leftover `.`/`..` (route `/r`, request `/r..`) or leading `./`/`../` goes. */
function sanitizePostfix(postfix: string): string {
  if (postfix === "." || postfix === "..") return "";
  if (postfix.startsWith("./")) return postfix.slice(2);
  if (postfix.startsWith("../")) return postfix.slice(3);
  return postfix;
}
