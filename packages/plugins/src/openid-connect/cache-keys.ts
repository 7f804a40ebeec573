import { createHash, createHmac } from "node:crypto";

/**
 * Cache keys and lifetimes for verified tokens and introspection results. Keys hold a SHA-256
 * digest of the token, never the token, and everything the cached answer depends on (Ory
 * Oathkeeper CVE-2026-33496 keyed introspection by token alone: a token accepted by one IdP was
 * then accepted for another).
 */

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

export interface JwtVerificationInputs {
  issuer: string;
  jwksUri: string | undefined;
  /** The key set's generation (JwksCache.generation): new keys, new entries. */
  keysGeneration: number;
  issuersAllowed: readonly string[];
  leewaySec: number;
  /** The HS* secret when `enable_hs_signatures` is on (only its digest enters the key). */
  hmacSecret: string | undefined;
}

export function jwtCacheKey(tokenDigest: string, inputs: JwtVerificationInputs): string {
  return [
    tokenDigest,
    inputs.issuer,
    `${inputs.jwksUri ?? ""}#${inputs.keysGeneration}`,
    [...inputs.issuersAllowed].sort().join(" "),
    inputs.leewaySec,
    inputs.hmacSecret === undefined ? "-" : sha256(inputs.hmacSecret),
  ].join("\n");
}

/** Verified tokens without `exp` (or with a far one) are re-verified at least this often. */
export const JWT_CACHE_MAX_MS = 600_000;

/** When a verified token's cache entry ends (epoch ms): its `exp` (+ leeway), capped. */
export function jwtCacheExpiry(claims: { exp?: unknown }, leewaySec: number, nowMs: number): number {
  const cap = nowMs + JWT_CACHE_MAX_MS;
  if (typeof claims.exp !== "number") return cap;
  return Math.min(cap, (claims.exp + leewaySec) * 1000);
}

export interface IntrospectionKeyInputs {
  endpoint: string;
  clientId: string;
  tokenDigest: string;
  /** Hint and extra headers/arguments sent: different requests may get different answers. */
  extras: readonly (readonly [string, string])[];
}

export function introspectionCacheKey(inputs: IntrospectionKeyInputs): string {
  const extras = inputs.extras.length ? sha256(JSON.stringify(inputs.extras)) : "-";
  return [inputs.endpoint, inputs.clientId, inputs.tokenDigest, extras].join("\n");
}

export interface IntrospectionTtlSettings {
  /** `cache_ttl`: used when the response has no `exp`. */
  ttlSec: number;
  ttlMaxSec: number | null | undefined;
  ttlMinSec: number | null | undefined;
  /** `cache_ttl_neg`: for inactive answers (5 s when unset). */
  ttlNegSec: number | null | undefined;
}

export const INACTIVE_TTL_DEFAULT_SEC = 5;

/**
 * How long an introspection answer may be reused (epoch ms), as Kong's cache does it: the
 * token's remaining lifetime (`exp`), else `cache_ttl`, clamped by `cache_ttl_max`/`cache_ttl_min`,
 * and never past `exp`. Inactive answers only briefly: a token that was revoked stays revoked,
 * but a transient "inactive" from a struggling IdP must not stick for an hour.
 */
export function introspectionExpiry(result: { active?: unknown; exp?: unknown }, settings: IntrospectionTtlSettings, nowMs: number): number {
  if (result.active !== true) {
    let ttl = Math.min(settings.ttlNegSec ?? INACTIVE_TTL_DEFAULT_SEC, settings.ttlSec);
    if (settings.ttlMaxSec != null) ttl = Math.min(ttl, settings.ttlMaxSec);
    return nowMs + Math.max(0, ttl) * 1000;
  }
  const exp = typeof result.exp === "number" ? result.exp * 1000 : undefined;
  let ttlMs = exp !== undefined ? exp - nowMs : settings.ttlSec * 1000;
  if (settings.ttlMaxSec != null) ttlMs = Math.min(ttlMs, settings.ttlMaxSec * 1000);
  if (settings.ttlMinSec != null) ttlMs = Math.max(ttlMs, settings.ttlMinSec * 1000);
  const expiry = nowMs + ttlMs;
  return exp !== undefined ? Math.min(expiry, exp) : expiry;
}

export interface TokenKeyInputs {
  endpoint: string;
  grant: string;
  /** The client authenticating at the token endpoint (the caller's, for client_credentials). */
  clientId: string;
  /** The caller's credentials: username + password, or client id + secret. */
  credentials: readonly [string, string];
  /** Extra arguments and headers sent: different requests may get different tokens. */
  extras: readonly (readonly [string, string])[];
}

/**
 * Key of a token obtained by a grant (`cache_tokens`): an HMAC under the salt (`cache_tokens_salt`,
 * else a per-process random one) over everything the request carried, so the key reveals neither
 * the password nor the secret, and cannot be precomputed from a guessed password without the salt.
 * The same credentials get the same token; a wrong password is another key, never a hit.
 */
export function tokenCacheKey(salt: string | Buffer, inputs: TokenKeyInputs): string {
  return createHmac("sha256", salt)
    .update(JSON.stringify([inputs.endpoint, inputs.grant, inputs.clientId, inputs.credentials, inputs.extras]))
    .digest("base64url");
}

/**
 * How long a token from a grant may be reused (epoch ms): until it expires (`expires_in`), else
 * `cache_ttl`; capped by `cache_ttl_max`. A token is never handed out after its expiry.
 */
export function tokenCacheExpiry(expiresInSec: number | undefined, ttlSec: number, ttlMaxSec: number | null | undefined, nowMs: number): number {
  let ttl = expiresInSec !== undefined ? expiresInSec : ttlSec;
  if (ttlMaxSec != null) ttl = Math.min(ttl, ttlMaxSec);
  return nowMs + Math.max(0, ttl) * 1000;
}
