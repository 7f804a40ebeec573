import type { AccessContext } from "@tether/core";
import { decodeJwt, type JWTPayload } from "jose";
import { verifyBearer, type AuthenticatorDeps } from "./authenticate.ts";
import { issuerFailure } from "./claims.ts";
import { bodyReader, findGrantCredentials, hideGrantCredentials, type CredentialLocation, type GrantCredentials, type GrantType } from "./grant-credentials.ts";
import type { GrantedTokens, GrantRunner } from "./grants.ts";
import type { IssuerState } from "./issuers.ts";
import { ABSENT, expOf, invalid, type VerifyOutcome } from "./verified.ts";
import { looksLikeJwt } from "./verify-jwt.ts";

const ALL_LOCATIONS: readonly CredentialLocation[] = ["header", "query", "body"];

/**
 * The caller's grant credentials, in Kong's order: `password` (7) before `client_credentials`
 * (8). A Basic header counts for both when both are enabled: Kong then tries both grants,
 * password first.
 */
export async function grantCandidates(ctx: AccessContext, deps: Pick<AuthenticatorDeps, "config">, readBody: ReturnType<typeof bodyReader>): Promise<GrantCredentials[]> {
  const { config } = deps;
  const methods = new Set(config.auth_methods ?? []);
  const out: GrantCredentials[] = [];
  const search: [GrantType, readonly CredentialLocation[]][] = [
    ["password", config.password_param_type ?? ALL_LOCATIONS],
    ["client_credentials", config.client_credentials_param_type ?? ALL_LOCATIONS],
  ];
  for (const [grant, locations] of search) {
    if (!methods.has(grant)) continue;
    const found = await findGrantCredentials(ctx, grant, locations, readBody);
    if (found) out.push(found);
  }
  return out;
}

/** The claims of a token obtained by a grant: verified as a bearer JWT unless `ignore_signature` names the grant. */
async function tokenClaims(
  tokens: GrantedTokens,
  grant: GrantType,
  state: IssuerState,
  deps: AuthenticatorDeps,
): Promise<{ ok: true; jwt: JWTPayload | undefined } | { ok: false; reason: string }> {
  if (!looksLikeJwt(tokens.accessToken)) return { ok: true, jwt: undefined }; // opaque: the IdP just issued it
  if ((deps.config.ignore_signature ?? []).includes(grant)) {
    try {
      return { ok: true, jwt: decodeJwt(tokens.accessToken) };
    } catch {
      return { ok: true, jwt: undefined };
    }
  }
  const outcome = await verifyBearer(tokens.accessToken, state, deps);
  if (!outcome.ok) return { ok: false, reason: outcome.reason };
  const failure = issuerFailure(outcome.claims, [state.issuer, ...(deps.config.issuers_allowed ?? [])], true);
  return failure ? { ok: false, reason: failure } : { ok: true, jwt: outcome.claims };
}

/**
 * Authentication by the `password` and `client_credentials` grants: the caller's credentials
 * go to the token endpoint, and the request proceeds with the token obtained. Each candidate is
 * tried in order until one yields a token; all failing is a 401 (a 500 only when none could even
 * be attempted, e.g. no client configured for the password grant).
 */
export async function authenticateGrant(ctx: AccessContext, state: IssuerState, deps: AuthenticatorDeps, grants: GrantRunner): Promise<VerifyOutcome> {
  const readBody = bodyReader(ctx);
  const candidates = await grantCandidates(ctx, deps, readBody);
  if (candidates.length === 0) return ABSENT;
  let refused: string | undefined;
  let unexpected: string | undefined;
  for (const credentials of candidates) {
    const outcome = await grants.run(state, credentials, ctx);
    if (!outcome.ok) {
      if (outcome.unexpected) unexpected ??= outcome.reason;
      else refused ??= outcome.reason;
      continue;
    }
    const claims = await tokenClaims(outcome.tokens, credentials.grant, state, deps);
    if (!claims.ok) return invalid(`the token from the ${credentials.grant} grant was refused (${claims.reason})`, undefined, "other");
    const { tokens } = outcome;
    return {
      ok: true,
      method: credentials.grant,
      token: tokens.accessToken,
      jwt: claims.jwt,
      introspection: undefined,
      bindingClaims: claims.jwt ?? {},
      pop: false,
      expiresAt: expOf(claims.jwt) ?? (tokens.expiresIn !== undefined ? Math.floor(tokens.obtainedAt / 1000) + tokens.expiresIn : undefined),
      hide: (c) => hideGrantCredentials(c, credentials, readBody),
      replay: tokens.replay,
    };
  }
  if (refused === undefined && unexpected !== undefined) return { ok: false, unexpected };
  return invalid(refused ?? "unable to authenticate with any enabled authentication method", undefined, "other");
}
