import { unexpectedErrorResponse, type AccessContext, type BindingOutcome, type ProofKind, type RefusalReason, type ConfigView, type PluginEnvironment, type PluginHandler, type PluginInstanceInfo, type PluginResponse } from "@tether/core";
import { alreadyAuthenticated, anonymousConsumer, authenticateAs } from "../consumer-headers.ts";
import { authenticateGrant } from "./authenticate-grant.ts";
import { authenticateToken, type AuthenticatorDeps } from "./authenticate.ts";
import { oidcCachesFor } from "./caches.ts";
import { failureResponse, type Failure } from "./challenge.ts";
import { forbiddenClaim, requirementFailure, type Claims, type Requirement } from "./claims.ts";
import { certificateFromHeader } from "./cert-header/from-header.ts";
import { consumerMapping, credentialIdentifier, findConsumer } from "./consumer.ts";
import type { BearerParamType } from "./find-token.ts";
import { GatewayAuth } from "./gateway-auth.ts";
import { GrantRunner } from "./grants.ts";
import { Introspector } from "./introspection.ts";
import type { IssuerState } from "./issuers.ts";
import { createDpopCheck } from "./dpop/verifier.ts";
import { boundThumbprint, checkCertificateBinding, mtlsApplies } from "./proof-of-possession.ts";
import type { OpenIdConnectConfig } from "./schema.ts";
import { admitSession } from "./session/admission.ts";
import { authenticateSession } from "./session/authenticate-session.ts";
import { withoutCookies } from "./session/cookies.ts";
import { sessionSecret } from "./session/secret.ts";
import { SessionCookies, type SessionRead } from "./session/session-cookies.ts";
import { claimHeaders, introspectionHeaderValue, upstreamTokenHeader } from "./upstream-headers.ts";
import { invalid, type Verified, type VerifyOutcome } from "./verified.ts";

export { upstreamTokenHeader } from "./upstream-headers.ts";

/** How the binding of this request was decided, and by which proof (for the tether_ counters). */
type BindingDecided = { binding: BindingOutcome; proof?: ProofKind };

/** Which refusal a failed claim requirement counts as. */
const REQUIREMENT_REFUSALS: Record<Requirement["kind"], RefusalReason> = { scopes: "scopes", audience: "wrong_audience", groups: "claims", roles: "claims" };


/** The Cookie header without the named cookie (hide_credentials for `bearer_token_cookie_name`). */
export function cookieHeaderWithout(header: string, name: string): string {
  return withoutCookies(header, [name]);
}

/**
 * The resource-server side of Kong's openid-connect. Credentials are searched in Kong's order
 * (reference 3.2): the session cookie, then the bearer token (`bearer`, `introspection`), then
 * the caller's credentials for the `password` and `client_credentials` grants; the first found
 * decides. Then the certificate binding (`proof_of_possession_mtls`), the claims (scopes,
 * audience, groups, roles, forbidden claims), the consumer, the upstream headers, and the session
 * cookie (created, refreshed, or cleared on failure). Any 401/403 becomes the `anonymous`
 * consumer when one is configured.
 */
export function createOpenIdConnectHandler(
  config: OpenIdConnectConfig,
  env: PluginEnvironment,
  view: ConfigView,
  instance: PluginInstanceInfo = { id: "" },
): PluginHandler {
  const caches = oidcCachesFor(env);
  const issuers = config.ssl_verify !== false ? caches.verified : caches.unverified;
  const gateway = new GatewayAuth(config, view, env, issuers.fetch);
  const deps: AuthenticatorDeps = {
    config,
    caches,
    issuers,
    introspector: new Introspector(config, caches, gateway, env.log),
    where: {
      locations: (config.bearer_token_param_type ?? ["header", "query", "body"]) as BearerParamType[],
      cookieName: config.bearer_token_cookie_name,
      headerName: config.bearer_token_header_name,
      dpop: (config.proof_of_possession_dpop ?? "off") !== "off",
    },
  };
  const methods = new Set<string>(config.auth_methods ?? []);
  const grants = methods.has("password") || methods.has("client_credentials") ? new GrantRunner(config, caches, gateway, env.log) : undefined;
  const sessions = methods.has("session") ? new SessionCookies(config, sessionSecret(config, env)) : undefined;
  const disableSession = new Set<string>(config.disable_session ?? []);
  const popMode = config.proof_of_possession_mtls ?? "off";
  // A TLS terminator in front forwards the certificate in a header (3.15): used instead of the connection's.
  const fromHeader = config.proof_of_possession_mtls_from_header ? certificateFromHeader(config.proof_of_possession_mtls_from_header, env, view) : undefined;
  const dpop = createDpopCheck(config, env);
  const here = { id: instance.id, pop: popMode, methodsValidation: config.proof_of_possession_auth_methods_validation !== false };
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

  /**
   * A 401/403: the session cookie goes first when the destroy options say so (Kong's
   * `unauthorized_destroy_session`, `forbidden_destroy_session`), then the anonymous consumer
   * when configured (Kong's logical OR), else the challenge.
   */
  const refuse = (ctx: AccessContext, state: IssuerState | undefined, failure: Failure, cookie: SessionRead["kind"], decided?: BindingDecided): PluginResponse | undefined => {
    env.log.info("openid-connect: request refused", { reason: failure.reason, error: failure.error });
    ctx.authOutcome = { plugin: "openid-connect", refused: failure.kind ?? "other", ...decided };
    const destroy =
      failure.error === "invalid_token" ? config.unauthorized_destroy_session !== false : failure.error === "insufficient_scope" && config.forbidden_destroy_session !== false;
    if (sessions && cookie !== "none" && destroy) sessions.clear(ctx);
    if (config.anonymous && failure.error !== "invalid_request") {
      const consumer = anonymousConsumer(view, config.anonymous);
      if (!consumer) {
        env.log.error("openid-connect: the anonymous consumer does not exist", { anonymous: config.anonymous });
        return unexpectedErrorResponse;
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
      if (reason) return { error: "insufficient_scope", reason, kind: REQUIREMENT_REFUSALS[requirement.kind] };
    }
    const forbidden = forbiddenClaim(config.claims_forbidden, sources);
    if (forbidden) return { error: "insufficient_scope", reason: `forbidden claim '${forbidden}' was found`, kind: "claims" };
    return undefined;
  };

  const setUpstream = async (ctx: AccessContext, auth: Verified, sources: readonly Claims[]): Promise<void> => {
    if (config.hide_credentials) await auth.hide(ctx);
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
    for (const [name, value] of auth.replay ?? []) ctx.setResponseHeader(name, value);
  };

  /**
   * The session step of the search: a cookie that cannot be read, has timed out, or may not be
   * used on this instance (admission) is treated as absent, and the search goes on.
   */
  const fromSession = async (ctx: AccessContext, state: IssuerState, read: SessionRead): Promise<VerifyOutcome | undefined> => {
    if (!sessions || read.kind === "none") return undefined;
    if (read.kind === "invalid") {
      env.log.info("openid-connect: session cookie ignored", { reason: read.reason });
      return undefined;
    }
    const admission = admitSession(read.record, here);
    if (!admission.ok) {
      env.log.info("openid-connect: session cookie ignored", { reason: admission.reason });
      return undefined;
    }
    return authenticateSession(ctx, state, read.record, admission.checkBinding, sessions.present(ctx), deps);
  };

  /** After a success: a new session for a method allowed to create one, or the used one refreshed. */
  const keepSession = (ctx: AccessContext, auth: Verified, read: SessionRead): void => {
    if (!sessions) return;
    if (auth.method === "session") {
      if (read.kind === "found") sessions.refresh(ctx, read);
      return;
    }
    if (disableSession.has(auth.method)) return;
    sessions.create(ctx, {
      method: auth.method,
      instance: instance.id,
      pop: popMode,
      token: auth.token,
      jwt: auth.jwt !== undefined,
      introspection: auth.introspection,
      thumbprint: boundThumbprint(auth.bindingClaims),
      expiresAt: auth.expiresAt,
    });
  };

  return {
    async access(ctx: AccessContext) {
      fromHeader?.strip(ctx);
      if (ctx.method === "OPTIONS" && config.run_on_preflight === false) return undefined;
      if (config.anonymous && alreadyAuthenticated(ctx)) return undefined;
      let state: IssuerState;
      try {
        state = await issuers.get(config.issuer);
      } catch {
        return unexpectedErrorResponse; // Kong: discovery that cannot be loaded at all is a 500
      }

      const read: SessionRead = sessions ? sessions.read(ctx) : { kind: "none" };
      let outcome = await fromSession(ctx, state, read);
      if (!outcome || ("absent" in outcome && outcome.absent)) outcome = await authenticateToken(ctx, state, deps);
      if (!outcome.ok && "absent" in outcome && grants) outcome = await authenticateGrant(ctx, state, deps, grants);
      if (!outcome.ok && "absent" in outcome) outcome = invalid("no suitable authorization credentials were provided", undefined, "no_token");
      if (!outcome.ok) {
        if ("unexpected" in outcome) {
          env.log.error("openid-connect: cannot authenticate", { reason: outcome.unexpected });
          return unexpectedErrorResponse;
        }
        if ("failure" in outcome) return refuse(ctx, state, outcome.failure, read.kind);
        return unexpectedErrorResponse; // unreachable: absent was turned into a failure above
      }
      const auth: Verified = outcome;

      let decided: BindingDecided = { binding: "not_checked" };
      if (auth.pop && dpop && !mtlsApplies(popMode, auth.bindingClaims)) {
        const proof = await dpop.verify(ctx, auth);
        // An invalid proof decided nothing about the binding: only its refusal reason is counted.
        const byDpop: BindingDecided | undefined = proof.binding ? { binding: proof.binding, proof: "dpop" } : undefined;
        if (!proof.ok) return refuse(ctx, state, proof.failure, read.kind, byDpop);
        decided = byDpop ?? decided;
      } else if (auth.pop) {
        const presented = fromHeader ? await fromHeader.certificate(ctx) : { certificate: ctx.clientCertificate() };
        if ("unexpected" in presented) {
          env.log.error("openid-connect: cannot verify the forwarded client certificate", { reason: presented.unexpected });
          return unexpectedErrorResponse;
        }
        const pop = checkCertificateBinding(popMode, auth.bindingClaims, presented.certificate);
        decided = { binding: pop.binding, proof: "mtls" };
        if (!pop.ok) return refuse(ctx, state, { error: "invalid_token", description: pop.description, reason: pop.description, kind: "binding" }, read.kind, decided);
      }

      const sources: Claims[] = [auth.introspection, auth.jwt].filter((s): s is Claims => s !== undefined);
      const denied = authorize(sources);
      if (denied) return refuse(ctx, state, denied, read.kind, decided);

      const consumer = mapping ? findConsumer(view, mapping, sources) : undefined;
      if (mapping && !consumer && config.consumer_optional !== true)
        return refuse(ctx, state, { error: "insufficient_scope", reason: "kong consumer was not found", kind: "claims" }, read.kind, decided);
      ctx.authOutcome = { plugin: "openid-connect", ...decided };
      authenticateAs(ctx, { consumer, credential: credentialIdentifier(config.credential_claim, sources), anonymous: false });
      await setUpstream(ctx, auth, sources);
      keepSession(ctx, auth, read);
      return undefined;
    },
  };
}
