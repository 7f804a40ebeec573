import type { AccessContext, RefusalReason } from "@tether/core";
import type { JWTPayload } from "jose";
import { issuerFailure, timeClaimsFailure } from "./claims.ts";
import type { OidcCaches } from "./caches.ts";
import { bodyWithoutToken, searchBearerToken, type TokenLocations, type TokenSearch } from "./find-token.ts";
import type { IntrospectionResult, Introspector } from "./introspection.ts";
import type { IssuerCache, IssuerState } from "./issuers.ts";
import type { OpenIdConnectConfig } from "./schema.ts";
import { withoutCookies } from "./session/cookies.ts";
import { ABSENT, expOf, invalid, type VerifyOutcome } from "./verified.ts";
import { looksLikeJwt, verifyJwtCached, type JwtOutcome } from "./verify-jwt.ts";

export interface AuthenticatorDeps {
  config: OpenIdConnectConfig;
  caches: OidcCaches;
  issuers: IssuerCache;
  introspector: Introspector;
  where: TokenLocations;
}

type Found = Extract<TokenSearch, { kind: "found" }> & { bodyBytes?: Buffer };

/** hide_credentials for a bearer token: from wherever it was found. */
function hideToken(found: Found, cookieName: string | null | undefined): (ctx: AccessContext) => void {
  return (ctx) => {
    if (found.location === "header" && found.header) ctx.removeUpstreamHeader(found.header);
    else if (found.location === "query") ctx.removeUpstreamQueryArg("access_token");
    else if (found.location === "body" && found.body && found.bodyBytes) ctx.setUpstreamBody(bodyWithoutToken(found.bodyBytes, found.body));
    else if (found.location === "cookie" && cookieName) {
      const rest = withoutCookies(String(ctx.headers.cookie ?? ""), [cookieName]);
      if (rest) ctx.setUpstreamHeader("cookie", rest);
      else ctx.removeUpstreamHeader("cookie");
    }
  };
}

/**
 * Reference 3.2: the bearer token is found once; a JWT goes to `bearer` first when enabled, and
 * to `introspection` when bearer is off, fails, or `introspect_jwt_tokens` asks for a revocation
 * check; an opaque token goes to `introspection`. No other method is tried for the same token;
 * no token at all is `absent`, and the search moves on to the grants.
 */
export async function authenticateToken(ctx: AccessContext, state: IssuerState, deps: AuthenticatorDeps): Promise<VerifyOutcome> {
  const { config } = deps;
  const methods = new Set(config.auth_methods ?? []);
  const bearer = methods.has("bearer");
  const introspection = methods.has("introspection");
  if (!bearer && !introspection) return ABSENT;

  const found = await searchBearerToken(ctx, deps.where);
  if (found.kind === "ambiguous") return { ok: false, failure: { error: "invalid_request", reason: "more than one access token was sent", kind: "malformed" } };
  if (found.kind === "none") return ABSENT;
  const { token } = found;
  const checked = await checkToken(ctx, token, state, deps, { bearer, introspection });
  if (!checked.ok) return checked;
  const { jwt, result } = checked;
  return {
    ok: true,
    method: jwt ? "bearer" : "introspection",
    token,
    jwt,
    introspection: result,
    bindingClaims: jwt ?? result ?? {},
    pop: true,
    expiresAt: expOf(jwt) ?? expOf(result),
    hide: hideToken(found, config.bearer_token_cookie_name),
    ...(found.dpop ? { dpopScheme: true } : {}),
  };
}

type Checked = { ok: true; jwt: JWTPayload | undefined; result: IntrospectionResult | undefined } | Exclude<VerifyOutcome, { ok: true }>;

/**
 * Verifies a token by the enabled methods (also used to re-verify a session's token with
 * `reverify`): JWT signature and claims, then introspection when the JWT path is off, failed, or
 * `introspect_jwt_tokens` asks for it.
 */
export async function checkToken(
  ctx: AccessContext,
  token: string,
  state: IssuerState,
  deps: AuthenticatorDeps,
  use: { bearer: boolean; introspection: boolean },
): Promise<Checked> {
  const { config } = deps;
  const allowed = [state.issuer, ...(config.issuers_allowed ?? [])];
  let jwt: JWTPayload | undefined;
  if (use.bearer && looksLikeJwt(token)) {
    const outcome = await verifyBearer(token, state, deps);
    let jwtFailure: string | undefined;
    let kind: RefusalReason = "wrong_issuer";
    if (outcome.ok) {
      jwtFailure = issuerFailure(outcome.claims, allowed, true);
      if (jwtFailure === undefined) jwt = outcome.claims;
    } else {
      jwtFailure = outcome.reason;
      kind = outcome.kind;
    }
    if (jwtFailure !== undefined && !use.introspection) return invalid(jwtFailure, undefined, kind);
  } else if (!use.introspection) {
    return invalid("invalid bearer token (not a JWT)", undefined, "malformed");
  }

  let result: IntrospectionResult | undefined;
  if (jwt === undefined || config.introspect_jwt_tokens === true) {
    const answer = await deps.introspector.introspect(state, token, ctx);
    if (!answer.ok) return answer.unexpected ? { ok: false, unexpected: answer.reason } : invalid(answer.reason, undefined, "other");
    if (config.introspection_check_active !== false && answer.result.active !== true) return invalid("the token is not active (introspection)", undefined, "inactive");
    result = answer.result;
    if (jwt === undefined) {
      const wrongIssuer = issuerFailure(result, allowed, false);
      if (wrongIssuer) return invalid(wrongIssuer, undefined, "wrong_issuer");
      const outOfTime = timeClaimsFailure(result, config.leeway ?? 0, Date.now() / 1000);
      if (outOfTime) return invalid(outOfTime, undefined, "expired");
    }
  }
  return { ok: true, jwt, result };
}

/**
 * JWT verification through the verified-token cache; on an unknown key (or a signature that
 * does not verify) the issuer's keys are refetched once, bounded by `rediscovery_lifetime`.
 */
export async function verifyBearer(token: string, state: IssuerState, deps: Pick<AuthenticatorDeps, "config" | "caches" | "issuers">): Promise<JwtOutcome> {
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
  deps.caches.metrics?.tokenCache(outcome.ok && outcome.cached ? "hit" : "miss");
  if (outcome.ok || !outcome.keyNotFound) return outcome;
  const fresh = await deps.issuers.refreshKeys(config.issuer, config.rediscovery_lifetime ?? 30);
  return fresh ? verifyWith(fresh) : outcome;
}
