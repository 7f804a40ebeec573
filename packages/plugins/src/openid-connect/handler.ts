import type { AccessContext, PluginEnvironment, PluginHandler, PluginResponse } from "@tether/core";
import { failureResponse, type Failure } from "./challenge.ts";
import { findBearerToken, type BearerParamType } from "./find-token.ts";
import { issuerCacheFor, type IssuerState } from "./issuers.ts";
import { checkCertificateBinding } from "./proof-of-possession.ts";
import type { OpenIdConnectConfig } from "./schema.ts";
import { looksLikeJwt, verifyJwt } from "./verify-jwt.ts";

const UNEXPECTED: PluginResponse = { status: 500, body: { message: "An unexpected error occurred" } };

/** `authorization:bearer` → header `authorization`, value `Bearer <token>` (Kong's format). */
export function upstreamTokenHeader(spec: string | null, token: string): [string, string] | undefined {
  if (!spec) return undefined;
  const [name, scheme] = spec.split(":", 2) as [string, string | undefined];
  if (!name) return undefined;
  const prefix = scheme ? `${scheme.charAt(0).toUpperCase()}${scheme.slice(1)} ` : "";
  return [name, `${prefix}${token}`];
}

/**
 * The resource-server side of Kong's openid-connect: find the token, verify it, then check its
 * certificate binding (`proof_of_possession_mtls`). Methods other than `bearer` come later.
 */
export function createOpenIdConnectHandler(config: OpenIdConnectConfig, env: PluginEnvironment): PluginHandler {
  const issuers = issuerCacheFor(env, config.ssl_verify !== false);
  const lifetime = config.rediscovery_lifetime ?? 30;
  const methods = new Set(config.auth_methods ?? []);
  const locations = (config.bearer_token_param_type ?? ["header", "query", "body"]) as BearerParamType[];
  const popMode = config.proof_of_possession_mtls ?? "off";
  const hmacSecret = config.enable_hs_signatures ? (config.client_secret?.[0] ?? undefined) : undefined;
  const fallbackRealm = (() => {
    try {
      return new URL(config.issuer).hostname;
    } catch {
      return "tether";
    }
  })();

  const fail = (state: IssuerState | undefined, failure: Failure): PluginResponse => {
    env.log.info("openid-connect: request refused", { reason: failure.reason, error: failure.error });
    return failureResponse(config, state?.realm ?? fallbackRealm, failure);
  };

  return {
    async access(ctx: AccessContext) {
      if (ctx.method === "OPTIONS" && config.run_on_preflight === false) return undefined;
      let state: IssuerState;
      try {
        state = await issuers.get(config.issuer);
      } catch {
        return UNEXPECTED; // Kong: discovery that cannot be loaded at all is a 500
      }
      const search = methods.has("bearer") ? findBearerToken(ctx, locations, config.bearer_token_cookie_name) : { kind: "none" as const };
      if (search.kind === "ambiguous")
        return fail(state, { error: "invalid_request", reason: "more than one access token was sent" });
      if (search.kind === "none")
        return fail(state, { error: "invalid_token", reason: "no suitable authorization credentials were provided" });
      if (!looksLikeJwt(search.token))
        return fail(state, { error: "invalid_token", reason: "invalid bearer token (not a JWT)" });

      const verify = (issuer: IssuerState) =>
        verifyJwt(search.token, {
          jwks: issuer.jwks,
          issuers: [issuer.issuer, ...(config.issuers_allowed ?? [])],
          leewaySec: config.leeway ?? 0,
          hmacSecret,
        });
      let outcome = await verify(state);
      if (!outcome.ok && !outcome.expired) {
        // Keys may have rotated with the discovery document (new jwks_uri): rediscover once.
        const fresh = await issuers.rediscover(config.issuer, lifetime);
        if (fresh && fresh !== state) {
          state = fresh;
          outcome = await verify(state);
        }
      }
      if (!outcome.ok) return fail(state, { error: "invalid_token", reason: outcome.reason });

      const binding = checkCertificateBinding(popMode, outcome.claims, ctx.clientCertificate());
      if (!binding.ok)
        return fail(state, { error: "invalid_token", description: binding.description, reason: binding.description });

      if (config.hide_credentials && search.header) ctx.removeUpstreamHeader(search.header);
      const upstream = upstreamTokenHeader(config.upstream_access_token_header, search.token);
      if (upstream) ctx.setUpstreamHeader(upstream[0], upstream[1]);
      return undefined;
    },
  };
}
