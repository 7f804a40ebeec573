import type { AccessContext } from "@tether/core";

export type BearerParamType = "header" | "query" | "body" | "cookie";

export type TokenSearch =
  | { kind: "found"; token: string; location: BearerParamType; header?: string }
  | { kind: "none" }
  /** More than one Authorization header: RFC 6750's invalid_request. */
  | { kind: "ambiguous" };

function rawHeaderValues(ctx: AccessContext, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < ctx.rawHeaders.length; i += 2)
    if (ctx.rawHeaders[i]!.toLowerCase() === name) values.push(ctx.rawHeaders[i + 1]!);
  return values;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Where Kong looks for a bearer token (reference 3.2), in the configured locations:
 * `Authorization: Bearer` (scheme case-insensitive), then `access-token`/`access_token`/
 * `x-access-token` headers; `?access_token=`; a cookie named by `bearer_token_cookie_name`.
 */
export function findBearerToken(
  ctx: AccessContext,
  locations: readonly BearerParamType[],
  cookieName: string | null | undefined,
): TokenSearch {
  if (locations.includes("header")) {
    const authorization = rawHeaderValues(ctx, "authorization");
    if (authorization.length > 1) return { kind: "ambiguous" };
    const bearer = /^bearer[ \t]+([^ \t].*?)[ \t]*$/i.exec(authorization[0] ?? "");
    if (bearer) return { kind: "found", token: bearer[1]!, location: "header", header: "authorization" };
    for (const name of ["access-token", "access_token", "x-access-token"]) {
      const values = rawHeaderValues(ctx, name);
      if (values.length > 1) return { kind: "ambiguous" };
      if (values[0]) return { kind: "found", token: values[0], location: "header", header: name };
    }
  }
  if (locations.includes("query")) {
    const values = ctx.query.getAll("access_token");
    if (values.length > 1) return { kind: "ambiguous" };
    if (values[0]) return { kind: "found", token: values[0], location: "query" };
  }
  if (locations.includes("cookie") && cookieName) {
    const value = cookieValue(ctx.headers.cookie, cookieName);
    if (value) return { kind: "found", token: value, location: "cookie" };
  }
  return { kind: "none" };
}
