import type { AccessContext } from "@tether/core";

export type BearerParamType = "header" | "query" | "body" | "cookie";
export type BodyKind = "form" | "json";

export type TokenSearch =
  /** `dpop`: sent as `Authorization: DPoP <token>` (RFC 9449 section 7.1). */
  | { kind: "found"; token: string; location: BearerParamType; header?: string; body?: BodyKind; dpop?: true }
  | { kind: "none" }
  /** More than one Authorization header (or token in one location): RFC 6750's invalid_request. */
  | { kind: "ambiguous" };

export interface TokenLocations {
  locations: readonly BearerParamType[];
  cookieName?: string | null | undefined;
  /** `bearer_token_header_name` (3.15): only this header is read in the `header` location. */
  headerName?: string | null | undefined;
  /** `proof_of_possession_dpop` is on: `Authorization: DPoP <token>` is accepted too. */
  dpop?: boolean | undefined;
}

/** Largest body searched for `access_token`; a larger one is forwarded untouched, unsearched. */
export const BODY_SEARCH_LIMIT = 1024 * 1024;

/** Every value of header `name` (lower case) as received, repeated headers included. */
export function rawHeaderValues(ctx: AccessContext, name: string): string[] {
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
 * The credentials of `Bearer <token>` (scheme case-insensitive, blanks around the token ignored),
 * or undefined. Written as a linear scan on purpose: the regex it replaces,
 * `^bearer[ \t]+([^ \t].*?)[ \t]*$`, backtracks quadratically on a header full of blanks
 * (177 ms of CPU for one 16 KB header): a denial of service any client could send.
 */
export function bearerCredentials(header: string): string | undefined {
  return schemeCredentials(header, "bearer");
}

/** The credentials of `<scheme> <token>`, `scheme` given in lower case (see bearerCredentials). */
export function schemeCredentials(header: string, scheme: "bearer" | "dpop"): string | undefined {
  const n = scheme.length;
  if (header.length < n + 1 || header.slice(0, n).toLowerCase() !== scheme) return undefined;
  const blank = (c: string): boolean => c === " " || c === "\t";
  if (!blank(header[n]!)) return undefined;
  let start = n + 1;
  while (start < header.length && blank(header[start]!)) start++;
  let end = header.length;
  while (end > start && blank(header[end - 1]!)) end--;
  return end > start ? header.slice(start, end) : undefined;
}

function fromHeaders(ctx: AccessContext, { headerName, dpop }: TokenLocations): TokenSearch {
  if (headerName) {
    const name = headerName.toLowerCase();
    const values = rawHeaderValues(ctx, name);
    if (values.length > 1) return { kind: "ambiguous" };
    const value = values[0]?.trim();
    if (!value) return { kind: "none" };
    return { kind: "found", token: bearerCredentials(value) ?? value, location: "header", header: name };
  }
  const authorization = rawHeaderValues(ctx, "authorization");
  if (authorization.length > 1) return { kind: "ambiguous" };
  const bearer = bearerCredentials(authorization[0] ?? "");
  if (bearer !== undefined) return { kind: "found", token: bearer, location: "header", header: "authorization" };
  const proofBound = dpop ? schemeCredentials(authorization[0] ?? "", "dpop") : undefined;
  if (proofBound !== undefined) return { kind: "found", token: proofBound, location: "header", header: "authorization", dpop: true };
  for (const name of ["access-token", "access_token", "x-access-token"]) {
    const values = rawHeaderValues(ctx, name);
    if (values.length > 1) return { kind: "ambiguous" };
    if (values[0]) return { kind: "found", token: values[0], location: "header", header: name };
  }
  return { kind: "none" };
}

/**
 * Where Kong looks for a bearer token (reference 3.2), in the configured locations and in Kong's
 * order: `Authorization: Bearer` (scheme case-insensitive), then `access-token`/`access_token`/
 * `x-access-token` headers (or only `bearer_token_header_name`); `?access_token=`; the body;
 * a cookie named by `bearer_token_cookie_name`. This synchronous part skips the body.
 */
export function findBearerToken(ctx: AccessContext, where: TokenLocations, bodyTokens?: BodyTokens): TokenSearch {
  const { locations } = where;
  if (locations.includes("header")) {
    const found = fromHeaders(ctx, where);
    if (found.kind !== "none") return found;
  }
  if (locations.includes("query")) {
    const values = ctx.query.getAll("access_token");
    if (values.length > 1) return { kind: "ambiguous" };
    if (values[0]) return { kind: "found", token: values[0], location: "query" };
  }
  if (locations.includes("body") && bodyTokens) {
    if (bodyTokens.tokens.length > 1) return { kind: "ambiguous" };
    if (bodyTokens.tokens[0]) return { kind: "found", token: bodyTokens.tokens[0], location: "body", body: bodyTokens.kind };
  }
  if (locations.includes("cookie") && where.cookieName) {
    const value = cookieValue(ctx.headers.cookie, where.cookieName);
    if (value) return { kind: "found", token: value, location: "cookie" };
  }
  return { kind: "none" };
}

export interface BodyTokens {
  kind: BodyKind;
  tokens: string[];
}

/** The kind of body that may carry `access_token`, from its Content-Type. */
export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return "form";
  if (type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return "json";
  return undefined;
}

/** `access_token` values of a form or JSON body; a JSON `null` or non-string is no token. */
export function bodyAccessTokens(body: Buffer, kind: BodyKind): BodyTokens {
  if (kind === "form") return { kind, tokens: new URLSearchParams(body.toString("utf8")).getAll("access_token").filter(Boolean) };
  try {
    const parsed = JSON.parse(body.toString("utf8")) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      const value = (parsed as Record<string, unknown>)["access_token"];
      if (typeof value === "string" && value) return { kind, tokens: [value] };
    }
  } catch {
    // not JSON: no token
  }
  return { kind, tokens: [] };
}

/** The body without its `access_token` (hide_credentials), other form bytes kept as sent. */
export function bodyWithoutToken(body: Buffer, kind: BodyKind): Buffer {
  return bodyWithout(body, kind, ["access_token"]);
}

/** The body without the named fields (hide_credentials), other form bytes kept as sent. */
export function bodyWithout(body: Buffer, kind: BodyKind, names: readonly string[]): Buffer {
  if (kind === "json") {
    const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    for (const name of names) delete parsed[name];
    return Buffer.from(JSON.stringify(parsed), "utf8");
  }
  const kept = body
    .toString("utf8")
    .split("&")
    .filter((pair) => {
      const raw = pair.split("=", 1)[0]!;
      try {
        return !names.includes(decodeURIComponent(raw.replace(/\+/g, " ")));
      } catch {
        return true;
      }
    });
  return Buffer.from(kept.join("&"), "utf8");
}

/**
 * The whole search, reading the body (bounded) only when the header and query locations held
 * no token and the body is a form or JSON, so most requests never buffer their body.
 */
export async function searchBearerToken(ctx: AccessContext, where: TokenLocations): Promise<TokenSearch & { bodyBytes?: Buffer }> {
  const first = findBearerToken(ctx, { ...where, locations: where.locations.filter((l) => l === "header" || l === "query") });
  if (first.kind !== "none") return first;
  const kind = where.locations.includes("body") ? bodyKind(ctx.headers["content-type"]) : undefined;
  if (kind) {
    const bytes = await ctx.readBody(BODY_SEARCH_LIMIT);
    if (bytes && bytes.length > 0) {
      const found = findBearerToken(ctx, { ...where, locations: ["body"] }, bodyAccessTokens(bytes, kind));
      if (found.kind !== "none") return { ...found, bodyBytes: bytes };
    }
  }
  return findBearerToken(ctx, { ...where, locations: where.locations.filter((l) => l === "cookie") });
}
