/**
 * The headers on every GUI answer: a Content-Security-Policy that lets the page run only this
 * server's script and style and talk only to itself and the Admin API, and no framing.
 */
export function securityHeaders(adminOrigin: string | undefined): Record<string, string> {
  const connect = ["'self'", ...(adminOrigin ? [adminOrigin] : [])].join(" ");
  const csp = [
    "default-src 'self'",
    `connect-src ${connect}`,
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "Content-Security-Policy": csp,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
}

/** `scheme://host[:port]` of a URL, as CSP sources and CORS origins are written. */
export function originOf(url: string): string {
  const { protocol, host } = new URL(url);
  return `${protocol}//${host}`;
}
