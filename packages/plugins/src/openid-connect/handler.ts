import type { AccessContext, ConfigView, PluginEnvironment, PluginHandler, PluginResponse } from "@tether/core";
import { alreadyAuthenticated, anonymousConsumer, authenticateAs } from "../consumer-headers.ts";
import { authenticate, type Authenticated, type AuthenticatorDeps } from "./authenticate.ts";
import { oidcCachesFor } from "./caches.ts";
import { failureResponse, type Failure } from "./challenge.ts";
import { forbiddenClaim, requirementFailure, type Claims, type Requirement } from "./claims.ts";
import { consumerMapping, credentialIdentifier, findConsumer } from "./consumer.ts";
import { bodyWithoutToken, type BearerParamType } from "./find-token.ts";
import { Introspector } from "./introspection.ts";
import type { IssuerState } from "./issuers.ts";
import { checkCertificateBinding } from "./proof-of-possession.ts";
import type { OpenIdConnectConfig } from "./schema.ts";
import { claimHeaders, introspectionHeaderValue, upstreamTokenHeader } from "./upstream-headers.ts";

export { upstreamTokenHeader } from "./upstream-headers.ts";

const UNEXPECTED: PluginResponse = { status: 500, body: { message: "An unexpected error occurred" } };

/** The Cookie header without the named cookie (hide_credentials for `bearer_token_cookie_name`). */
export function cookieHeaderWithout(header: string, name: string): string {
  return header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part && part.slice(0, part.indexOf("=") === -1 ? undefined : part.indexOf("=")).trim() !== name)
    .join("; ");
}

/**
 * The resource-server side of Kong's openid-connect: find the token, authenticate it (`bearer`
 * JWT and/or `introspection`), check its certificate binding (`proof_of_possession_mtls`), then
 * the claims (scopes, audience, groups, roles, forbidden claims), map the consumer, and set the
 * upstream headers. Any 401/403 becomes the `anonymous` consumer when one is configured.
 */
export function createOpenIdConnectHandler(config: OpenIdConnectConfig, env: PluginEnvironment, view: ConfigView): PluginHandler {
  const caches = oidcCachesFor(env);
  const issuers = config.ssl_verify !== false ? caches.verified : caches.unverified;
  const deps: AuthenticatorDeps = {
    config,
    caches,
    issuers,
    introspector: new Introspector(config, caches, issuers.fetch, env.log),
    where: {
      locations: (config.bearer_token_param_type ?? ["header", "query", "body"]) as BearerParamType[],
      cookieName: config.bearer_token_cookie_name,
      headerName: config.bearer_token_header_name,
    },
  };
  const popMode = config.proof_of_possession_mtls ?? "off";
  const mapping = consumerMapping(config);
  const requirements: Requirement[] = [
    { kind: "scopes", required: config.scopes_required, claim: config.scopes_claim },
    { kind: "audience", required: config.audience_required, claim: config.audience_claim },
    { kind: "groups", required: config.groups_required, claim: config.groups_claim },
    { kind: "roles", required: config.roles_required, claim: config.roles_claim },
  ];
  const fallbackRealm = (() => {
    try {
      return new URL(config.issuer).hostname;
    } catch {
      return "tether";
    }
  })();

  /** A 401/403: as the anonymous consumer when configured (Kong's logical OR), else the challenge. */
  const refuse = (ctx: AccessContext, state: IssuerState | undefined, failure: Failure): PluginResponse | undefined => {
    env.log.info("openid-connect: request refused", { reason: failure.reason, error: failure.error });
    if (config.anonymous && failure.error !== "invalid_request") {
      const consumer = anonymousConsumer(view, config.anonymous);
      if (!consumer) {
        env.log.error("openid-connect: the anonymous consumer does not exist", { anonymous: config.anonymous });
        return UNEXPECTED;
      }
      authenticateAs(ctx, { consumer, credential: undefined, anonymous: true });
      return undefined;
    }
    return failureResponse(config, state?.realm ?? fallbackRealm, failure);
  };

  /** Claims authorization (reference 3.4): introspection answer first, then the token. */
  const authorize = (sources: readonly Claims[]): Failure | undefined => {
    for (const requirement of requirements) {
      const reason = requirementFailure(requirement, sources);
      if (reason) return { error: "insufficient_scope", reason };
    }
    const forbidden = forbiddenClaim(config.claims_forbidden, sources);
    if (forbidden) return { error: "insufficient_scope", reason: `forbidden claim '${forbidden}' was found` };
    return undefined;
  };

  const setUpstream = (ctx: AccessContext, auth: Authenticated, sources: readonly Claims[]): void => {
    if (config.hide_credentials) {
      const { found } = auth;
      if (found.location === "header" && found.header) ctx.removeUpstreamHeader(found.header);
      else if (found.location === "query") ctx.removeUpstreamQueryArg("access_token");
      else if (found.location === "body" && found.body && found.bodyBytes) ctx.setUpstreamBody(bodyWithoutToken(found.bodyBytes, found.body));
      else if (found.location === "cookie" && config.bearer_token_cookie_name) {
        const rest = cookieHeaderWithout(String(ctx.headers.cookie ?? ""), config.bearer_token_cookie_name);
        if (rest) ctx.setUpstreamHeader("cookie", rest);
        else ctx.removeUpstreamHeader("cookie");
      }
    }
    const tokenHeader = upstreamTokenHeader(config.upstream_access_token_header, auth.token);
    if (tokenHeader) ctx.setUpstreamHeader(tokenHeader[0], tokenHeader[1]);
    for (const [name, value] of claimHeaders(config.upstream_headers_claims, config.upstream_headers_names, sources)) {
      if (value === null) ctx.removeUpstreamHeader(name);
      else ctx.setUpstreamHeader(name, value);
    }
    if (config.upstream_introspection_header) {
      if (auth.introspection) ctx.setUpstreamHeader(config.upstream_introspection_header, introspectionHeaderValue(auth.introspection));
      else ctx.removeUpstreamHeader(config.upstream_introspection_header);
    }
  };

  return {
    async access(ctx: AccessContext) {
      if (ctx.method === "OPTIONS" && config.run_on_preflight === false) return undefined;
      if (config.anonymous && alreadyAuthenticated(ctx)) return undefined;
      let state: IssuerState;
      try {
        state = await issuers.get(config.issuer);
      } catch {
        return UNEXPECTED; // Kong: discovery that cannot be loaded at all is a 500
      }

      const auth = await authenticate(ctx, state, deps);
      if (!auth.ok) {
        if ("unexpected" in auth) {
          env.log.error("openid-connect: cannot authenticate", { reason: auth.unexpected });
          return UNEXPECTED;
        }
        return refuse(ctx, state, auth.failure);
      }

      const binding = checkCertificateBinding(popMode, auth.bindingClaims, ctx.clientCertificate());
      if (!binding.ok) return refuse(ctx, state, { error: "invalid_token", description: binding.description, reason: binding.description });

      const sources: Claims[] = [auth.introspection, auth.jwt].filter((s): s is Claims => s !== undefined);
      const denied = authorize(sources);
      if (denied) return refuse(ctx, state, denied);

      const consumer = mapping ? findConsumer(view, mapping, sources) : undefined;
      if (mapping && !consumer && config.consumer_optional !== true)
        return refuse(ctx, state, { error: "insufficient_scope", reason: "kong consumer was not found" });
      authenticateAs(ctx, { consumer, credential: credentialIdentifier(config.credential_claim, sources), anonymous: false });
      setUpstream(ctx, auth, sources);
      return undefined;
    },
  };
}
