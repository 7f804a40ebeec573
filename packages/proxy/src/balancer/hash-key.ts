import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { HashOn, Upstream } from "@tether/core";

/** What a request offers to hash on (Kong's balancer `get_value_to_hash`). */
export interface HashInput {
  headers: IncomingHttpHeaders;
  clientIp: string;
  consumerId: string | undefined;
  path: string;
  /** The raw query string, with or without its leading `?`. */
  query: string;
  captures: Record<string, string> | undefined;
}

/** A cookie's value in a Cookie header, if the request has it. */
function cookieValue(header: string | undefined, wanted: string | null): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === wanted) return part.slice(at + 1).trim();
  }
  return undefined;
}

function valueFor(upstream: Upstream, on: HashOn, fallback: boolean, input: HashInput): string | undefined {
  switch (on) {
    case "none":
      return undefined;
    case "consumer":
      return input.consumerId;
    case "ip":
      return input.clientIp;
    case "path":
      return input.path;
    case "header": {
      const name = (fallback ? upstream.hash_fallback_header : upstream.hash_on_header)?.toLowerCase();
      const value = name === undefined ? undefined : input.headers[name];
      return Array.isArray(value) ? value.join(",") : value;
    }
    case "cookie":
      return cookieValue(input.headers.cookie, upstream.hash_on_cookie);
    case "query_arg": {
      const name = fallback ? upstream.hash_fallback_query_arg : upstream.hash_on_query_arg;
      const values = name === null ? [] : new URLSearchParams(input.query.replace(/^\?/, "")).getAll(name);
      return values.length > 0 ? values.join(",") : undefined;
    }
    case "uri_capture": {
      const name = fallback ? upstream.hash_fallback_uri_capture : upstream.hash_on_uri_capture;
      return name === null ? undefined : input.captures?.[name];
    }
  }
}

/** The cookie Kong sets when hashing on a cookie the request lacks. */
export interface HashCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

/** What a request is hashed on, and the cookie to set on its response if it was made up. */
export interface HashKey {
  readonly value: string | undefined;
  readonly cookie?: HashCookie;
}

/**
 * The value a consistent-hashing upstream hashes the request on: `hash_on`, else `hash_fallback`.
 * Hashing on a cookie the request lacks, Kong makes one up (a UUID) and sets it on the response
 * (kong/runloop/balancer/init.lua `get_value_to_hash`), so the client's next requests stick.
 */
export function hashKeyOf(upstream: Upstream, input: HashInput): HashKey {
  if (upstream.hash_on === "cookie" && upstream.hash_on_cookie && cookieValue(input.headers.cookie, upstream.hash_on_cookie) === undefined) {
    const value = randomUUID();
    return { value, cookie: { name: upstream.hash_on_cookie, value, path: upstream.hash_on_cookie_path } };
  }
  return { value: valueFor(upstream, upstream.hash_on, false, input) ?? valueFor(upstream, upstream.hash_fallback, true, input) };
}

/**
 * Kong's `set_cookie`: `<name>=<value>; Path=<path>; Same-Site=Lax; HttpOnly` (Kong's spelling)
 * replaces an upstream's Set-Cookie of the same name, or joins the others.
 */
export function withHashCookie(setCookie: string | string[] | undefined, cookie: HashCookie): string[] {
  const prefix = `${cookie.name}=`;
  const line = `${prefix}${cookie.value}; Path=${cookie.path}; Same-Site=Lax; HttpOnly`;
  const existing = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return existing.some((c) => c.startsWith(prefix)) ? existing.map((c) => (c.startsWith(prefix) ? line : c)) : [...existing, line];
}
