import { createSecretKey } from "node:crypto";
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { jwtCacheExpiry, jwtCacheKey, sha256, type JwtVerificationInputs } from "./cache-keys.ts";
import type { ExpiringLru } from "../cache/expiring-lru.ts";
import type { RefusalReason } from "@tether/core";

/** Asymmetric algorithms accepted for IdP-signed tokens; `none` is never on any list. */
export const ASYMMETRIC_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export const HMAC_ALGS = ["HS256", "HS384", "HS512"] as const;

export interface JwtVerifyOptions {
  jwks: JWTVerifyGetKey | undefined;
  leewaySec: number;
  /** HS* only with `enable_hs_signatures`, verified with the client secret, never with a public key. */
  hmacSecret: string | undefined;
}

export type JwtOutcome =
  | { ok: true; claims: JWTPayload; cached: boolean }
  /** `keyNotFound`: no key for the `kid` or the signature did not verify — the keys may have rotated. */
  | { ok: false; reason: string; expired: boolean; keyNotFound: boolean; kind: RefusalReason };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return token.length < 16_384 && JWT_SHAPE.test(token);
}

/**
 * Verifies the signature (algorithm from the allow-list, key from the issuer's JWKS) and the
 * time claims (`exp`, `nbf`, with leeway). The issuer is checked by the caller on every request.
 */
export async function verifyJwt(token: string, options: JwtVerifyOptions): Promise<JwtOutcome> {
  const algorithms: string[] = [...ASYMMETRIC_ALGS];
  if (options.hmacSecret) algorithms.push(...HMAC_ALGS);
  const hmacKey = options.hmacSecret ? createSecretKey(Buffer.from(options.hmacSecret, "utf8")) : undefined;
  const getKey: JWTVerifyGetKey = async (header, input) => {
    if (header.alg?.startsWith("HS")) {
      if (!hmacKey) throw new errors.JOSEAlgNotAllowed("HMAC signatures are not enabled");
      return hmacKey;
    }
    if (!options.jwks) throw new errors.JWKSNoMatchingKey("the issuer publishes no JWKS");
    return options.jwks(header, input);
  };
  try {
    const { payload } = await jwtVerify(token, getKey, { algorithms, clockTolerance: options.leewaySec });
    return { ok: true, claims: payload, cached: false };
  } catch (error) {
    const expired = error instanceof errors.JWTExpired;
    const unknownKey = error instanceof errors.JWKSNoMatchingKey;
    const badSignature = error instanceof errors.JWSSignatureVerificationFailed;
    const reason = expired
      ? `invalid exp claim (${String((error as errors.JWTExpired).payload["exp"])}) was specified for access token`
      : `invalid bearer token (${(error as Error).message})`;
    const kind: RefusalReason = expired ? "expired" : unknownKey ? "unknown_key" : badSignature ? "bad_signature" : "malformed";
    return { ok: false, reason, expired, keyNotFound: unknownKey || badSignature, kind };
  }
}

/**
 * verifyJwt behind a cache of verified tokens: a token seen before costs a SHA-256 and a lookup,
 * not a signature check (fast-jwt's approach). Entries end at the token's `exp` (+ leeway) and
 * are keyed by everything verification depended on; only successes are cached. PoP and claims
 * checks are the caller's, on every request.
 */
export async function verifyJwtCached(
  cache: ExpiringLru<JWTPayload>,
  token: string,
  inputs: JwtVerificationInputs,
  jwks: JWTVerifyGetKey | undefined,
): Promise<JwtOutcome> {
  const key = jwtCacheKey(sha256(token), inputs);
  const hit = cache.get(key);
  if (hit) return { ok: true, claims: hit, cached: true };
  const outcome = await verifyJwt(token, { jwks, leewaySec: inputs.leewaySec, hmacSecret: inputs.hmacSecret });
  if (outcome.ok) cache.set(key, outcome.claims, jwtCacheExpiry(outcome.claims, inputs.leewaySec, Date.now()));
  return outcome;
}
