import type { PluginEnvironment } from "@tether/core";
import type { JWTPayload } from "jose";
import { IssuerCache } from "./issuers.ts";
import { ExpiringLru } from "../cache/expiring-lru.ts";
import type { GrantedTokens } from "./grants.ts";
import type { IntrospectionResult } from "./introspection.ts";

/** Bounds on the per-process token caches (each entry is a digest key and a claims object). */
export const VERIFIED_JWT_CACHE_SIZE = 10_000;
export const INTROSPECTION_CACHE_SIZE = 10_000;
export const TOKEN_CACHE_SIZE = 10_000;

/**
 * Plugin state that outlives config snapshots, one set per process environment: discovery and
 * keys per issuer, verified JWTs, introspection results, tokens from grants. Keyed by what they depend on (issuer
 * URL, endpoint + client + token digest), so an unrelated config change flushes nothing.
 */
export interface OidcCaches {
  /** Issuers fetched with TLS verification, and (for `ssl_verify: false`) without. */
  readonly verified: IssuerCache;
  readonly unverified: IssuerCache;
  readonly jwts: ExpiringLru<JWTPayload>;
  readonly introspections: ExpiringLru<IntrospectionResult>;
  /** Introspection requests in flight by cache key: concurrent requests for one token share one. */
  readonly introspecting: Map<string, Promise<IntrospectionResult>>;
  /** Tokens obtained by password/client_credentials grants (`cache_tokens`), by salted credential HMAC. */
  readonly tokens: ExpiringLru<GrantedTokens>;
  readonly granting: Map<string, Promise<GrantedTokens>>;
  /** Where cache hits and misses are counted (the environment's metrics). */
  readonly metrics: PluginEnvironment["metrics"];
}

const byEnv = new WeakMap<PluginEnvironment, OidcCaches>();
/** Every cache set made in this process: what the Admin API lists and clears. */
const all = new Set<OidcCaches>();

export function oidcCachesFor(env: PluginEnvironment): OidcCaches {
  let caches = byEnv.get(env);
  if (!caches) {
    caches = {
      verified: new IssuerCache(env, env.fetch),
      unverified: new IssuerCache(env, env.unverifiedFetch),
      jwts: new ExpiringLru(VERIFIED_JWT_CACHE_SIZE),
      introspections: new ExpiringLru(INTROSPECTION_CACHE_SIZE),
      introspecting: new Map(),
      tokens: new ExpiringLru(TOKEN_CACHE_SIZE),
      granting: new Map(),
      metrics: env.metrics,
    };
    byEnv.set(env, caches);
    all.add(caches);
  }
  return caches;
}

export function allOidcCaches(): readonly OidcCaches[] {
  return [...all];
}
