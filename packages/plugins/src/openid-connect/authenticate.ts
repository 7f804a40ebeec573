import type { AccessContext } from "@tether/core";
import type { JWTPayload } from "jose";
import type { Failure } from "./challenge.ts";
import { issuerFailure, timeClaimsFailure, type Claims } from "./claims.ts";
import type { OidcCaches } from "./caches.ts";
import { searchBearerToken, type TokenLocations, type TokenSearch } from "./find-token.ts";
import type { IntrospectionResult, Introspector } from "./introspection.ts";
import type { IssuerCache, IssuerState } from "./issuers.ts";
import type { OpenIdConnectConfig } from "./schema.ts";
import { looksLikeJwt, verifyJwtCached, type JwtOutcome } from "./verify-jwt.ts";

/** A token that passed `bearer` and/or `introspection`, with what each said about it. */
export interface Authenticated {
  ok: true;
  token: string;
  found: Extract<TokenSearch, { kind: "found" }> & { bodyBytes?: Buffer };
  jwt: JWTPayload | undefined;
  introspection: IntrospectionResult | undefined;
  /** Where the certificate binding (`cnf`) is read: the JWT, else the introspection answer. */
  bindingClaims: Claims;
}

export type AuthenticationOutcome =
  | Authenticated
  | { ok: false; failure: Failure }
  /** Not the token's fault (missing endpoint or client, unsupported client auth): Kong's 500. */
  | { ok: false; unexpected: string };

export interface AuthenticatorDeps {
  config: OpenIdConnectConfig;
  caches: OidcCaches;
  issuers: IssuerCache;
  introspector: Introspector;
  where: TokenLocations;
}

const invalid = (reason: string): { ok: false; failure: Failure } => ({ ok: false, failure: { error: "invalid_token", reason } });

/**
 * Reference 3.2: the bearer token is found once; a JWT goes to `bearer` first when enabled, and
 * to `introspection` when bearer is off, fails, or `introspect_jwt_tokens` asks for a revocation
 * check; an opaque token goes to `introspection`. No other method is tried for the same token.
 */
export async function authenticate(ctx: AccessContext, state: IssuerState, deps: AuthenticatorDeps): Promise<AuthenticationOutcome> {
  const { config } = deps;
  const methods = new Set(config.auth_methods ?? []);
  const bearer = methods.has("bearer");
  const introspection = methods.has("introspection");
  if (!bearer && !introspection) return invalid("no suitable authorization credentials were provided");

  const found = await searchBearerToken(ctx, deps.where);
  if (found.kind === "ambiguous") return { ok: false, failure: { error: "invalid_request", reason: "more than one access token was sent" } };
  if (found.kind === "none") return invalid("no suitable authorization credentials were provided");
  const { token } = found;
  const allowed = [state.issuer, ...(config.issuers_allowed ?? [])];

  let jwt: JWTPayload | undefined;
  let jwtFailure: string | undefined;
  if (bearer && looksLikeJwt(token)) {
    const outcome = await verifyBearer(token, state, deps);
    if (outcome.ok) {
      jwtFailure = issuerFailure(outcome.claims, allowed, true);
      if (jwtFailure === undefined) jwt = outcome.claims;
    } else jwtFailure = outcome.reason;
    if (jwtFailure !== undefined && !introspection) return invalid(jwtFailure);
  } else if (!introspection) {
    return invalid("invalid bearer token (not a JWT)");
  }

  let result: IntrospectionResult | undefined;
  if (jwt === undefined || config.introspect_jwt_tokens === true) {
    const answer = await deps.introspector.introspect(state, token, ctx);
    if (!answer.ok) return answer.unexpected ? { ok: false, unexpected: answer.reason } : invalid(answer.reason);
    if (config.introspection_check_active !== false && answer.result.active !== true) return invalid("the token is not active (introspection)");
    result = answer.result;
    if (jwt === undefined) {
      const claimsFailure = issuerFailure(result, allowed, false) ?? timeClaimsFailure(result, config.leeway ?? 0, Date.now() / 1000);
      if (claimsFailure) return invalid(claimsFailure);
    }
  }
  return { ok: true, token, found, jwt, introspection: result, bindingClaims: jwt ?? result ?? {} };
}

/**
 * JWT verification through the verified-token cache; on an unknown key (or a signature that
 * does not verify) the issuer's keys are refetched once, bounded by `rediscovery_lifetime`.
 */
async function verifyBearer(token: string, state: IssuerState, deps: AuthenticatorDeps): Promise<JwtOutcome> {
  const { config } = deps;
  const hmacSecret = config.enable_hs_signatures ? (config.client_secret?.[0] ?? undefined) : undefined;
  const verifyWith = (s: IssuerState) =>
    verifyJwtCached(
      deps.caches.jwts,
      token,
      { issuer: s.issuer, jwksUri: s.metadata.jwks_uri, keysGeneration: s.jwks?.generation ?? 0, issuersAllowed: config.issuers_allowed ?? [], leewaySec: config.leeway ?? 0, hmacSecret },
      s.jwks?.getKey,
    );
  const outcome = await verifyWith(state);
  if (outcome.ok || !outcome.keyNotFound) return outcome;
  const fresh = await deps.issuers.refreshKeys(config.issuer, config.rediscovery_lifetime ?? 30);
  return fresh ? verifyWith(fresh) : outcome;
}
