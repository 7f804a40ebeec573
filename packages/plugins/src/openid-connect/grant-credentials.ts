import type { AccessContext } from "@tether/core";
import { BODY_SEARCH_LIMIT, bodyKind, bodyWithout, type BodyKind } from "./find-token.ts";

export type GrantType = "password" | "client_credentials";
export type CredentialLocation = "header" | "query" | "body";

/** Argument names per grant (Kong's `get_credentials`): username/password, client_id/client_secret. */
export const CREDENTIAL_ARGS: Readonly<Record<GrantType, readonly [string, string]>> = {
  password: ["username", "password"],
  client_credentials: ["client_id", "client_secret"],
};

/** Credentials a caller sent for the gateway to forward to the token endpoint. */
export interface GrantCredentials {
  grant: GrantType;
  /** Username, or client id. */
  user: string;
  /** Password, or client secret. */
  secret: string;
  location: CredentialLocation;
}

/** The body as read once for the search: what hide_credentials rewrites. */
export interface ReadBody {
  kind: BodyKind;
  bytes: Buffer;
}

/** `Authorization: Basic base64(user:secret)`; one header only, and a colon required. */
export function basicCredentials(rawHeaders: readonly string[]): [string, string] | undefined {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === "authorization") values.push(rawHeaders[i + 1]!);
  if (values.length !== 1) return undefined; // two Authorization headers: trust neither
  const m = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(values[0]!);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return undefined;
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** One value per name or nothing: `?password=a&password=b` is not a credential. */
function single(values: readonly string[]): string | undefined {
  return values.length === 1 && values[0] ? values[0] : undefined;
}

/** The two named fields of a form or JSON body, when both are there once as strings. */
export function bodyPair(body: ReadBody, names: readonly [string, string]): [string, string] | undefined {
  if (body.kind === "form") {
    const form = new URLSearchParams(body.bytes.toString("utf8"));
    const a = single(form.getAll(names[0]));
    const b = single(form.getAll(names[1]));
    return a && b ? [a, b] : undefined;
  }
  try {
    const parsed = JSON.parse(body.bytes.toString("utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const a = (parsed as Record<string, unknown>)[names[0]];
    const b = (parsed as Record<string, unknown>)[names[1]];
    return typeof a === "string" && a && typeof b === "string" && b ? [a, b] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The caller's credentials for `grant` in the configured locations, in Kong's order: the Basic
 * header, the query string, the body (form or JSON; read only when needed, bounded).
 */
export async function findGrantCredentials(
  ctx: AccessContext,
  grant: GrantType,
  locations: readonly CredentialLocation[],
  readBody: () => Promise<ReadBody | undefined>,
): Promise<GrantCredentials | undefined> {
  const names = CREDENTIAL_ARGS[grant];
  if (locations.includes("header")) {
    const basic = basicCredentials(ctx.rawHeaders);
    if (basic) return { grant, user: basic[0], secret: basic[1], location: "header" };
  }
  if (locations.includes("query")) {
    const user = single(ctx.query.getAll(names[0]));
    const secret = single(ctx.query.getAll(names[1]));
    if (user && secret) return { grant, user, secret, location: "query" };
  }
  if (locations.includes("body")) {
    const body = await readBody();
    const pair = body && bodyPair(body, names);
    if (pair) return { grant, user: pair[0], secret: pair[1], location: "body" };
  }
  return undefined;
}

/** A body reader for one request: reads (bounded) at most once, only form and JSON bodies. */
export function bodyReader(ctx: AccessContext): () => Promise<ReadBody | undefined> {
  let read: Promise<ReadBody | undefined> | undefined;
  return () => {
    read ??= (async () => {
      const kind = bodyKind(ctx.headers["content-type"]);
      if (!kind) return undefined;
      const bytes = await ctx.readBody(BODY_SEARCH_LIMIT);
      return bytes && bytes.length > 0 ? { kind, bytes } : undefined;
    })();
    return read;
  };
}

/** hide_credentials: the credentials go no further than the gateway. */
export async function hideGrantCredentials(ctx: AccessContext, credentials: GrantCredentials, readBody: () => Promise<ReadBody | undefined>): Promise<void> {
  const names = CREDENTIAL_ARGS[credentials.grant];
  if (credentials.location === "header") ctx.removeUpstreamHeader("authorization");
  else if (credentials.location === "query") for (const name of names) ctx.removeUpstreamQueryArg(name);
  else {
    const body = await readBody();
    if (body) ctx.setUpstreamBody(bodyWithout(body.bytes, body.kind, names));
  }
}
