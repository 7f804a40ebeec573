import type { IncomingHttpHeaders } from "node:http";

export type ErrorFormat = "json" | "text" | "html" | "xml";

/**
 * Kong's content negotiation for errors it generates (reference 2.6): by `Accept`, then (for
 * upstream failures) the request's Content-Type, then the default type.
 */
export function negotiateFormat(headers: IncomingHttpHeaders, fallback: ErrorFormat, useContentType: boolean): ErrorFormat {
  const accept = (headers["accept"] ?? "").toLowerCase();
  const pick = (type: string): ErrorFormat | undefined => {
    if (type.includes("json") || type.startsWith("*/*")) return "json";
    if (type.includes("text/html")) return "html";
    if (type.includes("xml")) return "xml";
    if (type.includes("text/plain") || type.startsWith("text/*")) return "text";
    return undefined;
  };
  for (const part of accept.split(",")) {
    const format = pick(part.trim());
    if (format) return format;
  }
  if (useContentType) {
    const format = pick((headers["content-type"] ?? "").toLowerCase());
    if (format) return format;
  }
  return fallback;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderError(format: ErrorFormat, message: string, requestId: string): { type: string; body: string } {
  switch (format) {
    case "json":
      return {
        type: "application/json; charset=utf-8",
        body: `{\n  "message":${JSON.stringify(message)},\n  "request_id":${JSON.stringify(requestId)}\n}`,
      };
    case "html":
      return {
        type: "text/html; charset=utf-8",
        body: `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeHtml(message)}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`,
      };
    case "xml":
      return {
        type: "application/xml; charset=utf-8",
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeHtml(message)}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`,
      };
    default:
      return { type: "text/plain; charset=utf-8", body: `${message}\nrequest_id: ${requestId}\n` };
  }
}
