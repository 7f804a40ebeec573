import { claimFrom, type Claims } from "./claims.ts";

/** `authorization:bearer` → header `authorization`, value `Bearer <token>` (Kong's format). */
export function upstreamTokenHeader(spec: string | null | undefined, token: string): [string, string] | undefined {
  if (!spec) return undefined;
  const [name, scheme] = spec.split(":", 2) as [string, string | undefined];
  if (!name) return undefined;
  const prefix = scheme ? `${scheme.charAt(0).toUpperCase()}${scheme.slice(1)} ` : "";
  return [name, `${prefix}${token}`];
}

/** A claim value as one header value: strings as they are, lists comma-joined, objects as JSON. */
export function headerValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) return value.map(String).join(", ");
  return JSON.stringify(value);
}

/** Header values may not carry CR, LF or NUL: drop them rather than fail the request. */
function safe(value: string): string {
  return value.replace(/[\r\n\0]/g, "");
}

/**
 * `upstream_headers_claims` → `upstream_headers_names` (parallel arrays). A claim that is absent
 * removes the header, so a client cannot send its own copy (Kong 3.14's `upstream_headers` does
 * the same; older versions only set found ones).
 */
export function claimHeaders(
  claims: readonly string[] | null | undefined,
  names: readonly string[] | null | undefined,
  sources: readonly Claims[],
): [string, string | null][] {
  const out: [string, string | null][] = [];
  (claims ?? []).forEach((claim, i) => {
    const name = names?.[i];
    if (!name) return;
    const value = headerValue(claimFrom(sources, [claim]));
    out.push([name, value === undefined ? null : safe(value)]);
  });
  return out;
}

/** `upstream_introspection_header`: the introspection answer as base64(JSON), as Kong sends it. */
export function introspectionHeaderValue(result: Claims): string {
  return Buffer.from(JSON.stringify(result), "utf8").toString("base64");
}
