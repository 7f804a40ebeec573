import { createSecretKey } from "node:crypto";
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

/** Asymmetric algorithms accepted for IdP-signed tokens; `none` is never on any list. */
export const ASYMMETRIC_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export const HMAC_ALGS = ["HS256", "HS384", "HS512"] as const;

export interface JwtVerifyOptions {
  jwks: JWTVerifyGetKey | undefined;
  issuers: string[];
  leewaySec: number;
  /** HS* only with `enable_hs_signatures`, verified with the client secret, never with a public key. */
  hmacSecret: string | undefined;
}

export type JwtOutcome = { ok: true; claims: JWTPayload } | { ok: false; reason: string; expired: boolean };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return token.length < 16_384 && JWT_SHAPE.test(token);
}

/** Verifies signature (algorithm from the allow-list, key from the issuer's JWKS) and iss/exp/nbf. */
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
    const { payload } = await jwtVerify(token, getKey, {
      algorithms,
      issuer: options.issuers,
      clockTolerance: options.leewaySec,
    });
    return { ok: true, claims: payload };
  } catch (error) {
    const expired = error instanceof errors.JWTExpired;
    const reason = expired
      ? `invalid exp claim (${String((error as errors.JWTExpired).payload["exp"])}) was specified for access token`
      : error instanceof errors.JWTClaimValidationFailed && error.claim === "iss"
        ? `invalid issuer (${String(error.payload["iss"])}) was specified for access token`
        : `invalid bearer token (${(error as Error).message})`;
    return { ok: false, reason, expired };
  }
}
