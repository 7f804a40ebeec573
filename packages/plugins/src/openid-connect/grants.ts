import { randomBytes } from "node:crypto";
import * as oidc from "openid-client";
import type { AccessContext, Logger } from "@tether/core";
import { tokenCacheExpiry, tokenCacheKey } from "./cache-keys.ts";
import type { OidcCaches } from "./caches.ts";
import type { GatewayAuth, IdpCall } from "./gateway-auth.ts";
import type { GrantCredentials, GrantType } from "./grant-credentials.ts";
import { isTlsClientAuth } from "./idp-endpoints.ts";
import { idpErrorText, isTrustFailure } from "./idp-requests.ts";
import { headerOf, pairs, type Pair } from "./introspection.ts";
import type { IssuerState } from "./issuers.ts";
import type { OidcClientAuthMethod, OpenIdConnectConfig } from "./schema.ts";

/** What the token endpoint answered, as kept (and cached) for forwarding. */
export interface GrantedTokens {
  readonly accessToken: string;
  readonly expiresIn: number | undefined;
  readonly scope: string | undefined;
  /** When the token endpoint answered (epoch ms): `expiresIn` counts from here. */
  readonly obtainedAt: number;
  /** `token_headers_replay`: token endpoint response headers to send to the client. */
  readonly replay: readonly Pair[];
}

export type GrantOutcome =
  | { ok: true; tokens: GrantedTokens; cached: boolean }
  /** `unexpected`: Tether cannot make the request at all (500); otherwise the grant failed (401). */
  | { ok: false; reason: string; unexpected: boolean };

/** One salt per process when `cache_tokens_salt` is unset: the cache is per process too. */
const PROCESS_SALT = randomBytes(32);

/**
 * How the client authenticates at the token endpoint (reference 3.15, Client). The password grant
 * authenticates as the gateway's client; client_credentials forwards the caller's own client id
 * and secret, so the gateway's certificate and key are not used there (Kong: mTLS client
 * authentication is not used for the client credentials grant, reference 3.13).
 */
export function tokenAuthMethod(config: Pick<OpenIdConnectConfig, "token_endpoint_auth_method" | "client_auth">, secret: string | undefined, grant: GrantType): OidcClientAuthMethod {
  const method = config.token_endpoint_auth_method ?? config.client_auth?.[0] ?? (secret ? "client_secret_basic" : "none");
  const gatewayOwn = isTlsClientAuth(method) || method === "private_key_jwt";
  return grant === "client_credentials" && gatewayOwn ? "client_secret_basic" : method;
}

/** Extra arguments and headers for the token request: static ones and those taken from the caller. */
export function tokenExtras(config: OpenIdConnectConfig, ctx: AccessContext, grant: GrantType): { headers: Pair[]; args: Pair[] } {
  const args = pairs(config.token_post_args_names, config.token_post_args_values);
  for (const name of config.token_post_args_client ?? []) {
    const value = ctx.query.get(name) ?? headerOf(ctx, name);
    if (value !== null && value !== undefined) args.push([name, value]);
  }
  const grants = config.token_headers_grants;
  if (grants && !grants.includes(grant)) return { headers: [], args };
  const headers = pairs(config.token_headers_names, config.token_headers_values);
  for (const name of config.token_headers_client ?? []) {
    const value = headerOf(ctx, name);
    if (value !== undefined) headers.push([name, value]);
  }
  return { headers, args };
}

/**
 * The grants where the gateway forwards the caller's credentials to the token endpoint:
 * `password` (the caller's username/password, the configured client's credentials) and
 * `client_credentials` (the caller's own client id/secret), with openid-client on a
 * Configuration built from the cached discovery document (`token_endpoint` overrides it).
 * Tokens are cached (`cache_tokens`) under a salted HMAC of the credentials, until they expire;
 * concurrent identical requests share one token request.
 */
export class GrantRunner {
  private readonly salt: string | Buffer;

  constructor(
    private readonly config: OpenIdConnectConfig,
    private readonly caches: OidcCaches,
    private readonly gateway: GatewayAuth,
    private readonly log: Logger,
  ) {
    this.salt = config.cache_tokens_salt ?? PROCESS_SALT;
  }

  async run(state: IssuerState, credentials: GrantCredentials, ctx: AccessContext): Promise<GrantOutcome> {
    const { config } = this;
    const password = credentials.grant === "password";
    // The password grant authenticates as the configured client; client_credentials as the caller.
    const clientId = password ? (config.client_id?.[0] ?? undefined) : credentials.user;
    const secret = password ? (config.client_secret?.[0] ?? undefined) : credentials.secret;
    if (!clientId) return { ok: false, reason: "the password grant needs config.client_id", unexpected: true };
    const prepared = await this.gateway.prepare("token", tokenAuthMethod(config, secret, credentials.grant), state.metadata, secret);
    if (!prepared.ok) return { ok: false, reason: prepared.reason, unexpected: true };
    const { endpoint } = prepared.call;

    const extras = tokenExtras(config, ctx, credentials.grant);
    const caching = config.cache_tokens !== false;
    const key = tokenCacheKey(this.salt, {
      endpoint,
      grant: credentials.grant,
      clientId,
      credentials: [credentials.user, credentials.secret],
      extras: [...extras.headers.map(([n, v]) => [`h:${n}`, v] as const), ...extras.args],
    });
    if (caching) {
      const hit = this.caches.tokens.get(key);
      if (hit) return { ok: true, tokens: hit, cached: true };
    }
    let inflight = caching ? this.caches.granting.get(key) : undefined;
    if (!inflight) {
      inflight = this.request(state, prepared.call, clientId, credentials, extras);
      if (caching) {
        this.caches.granting.set(key, inflight);
        const settle = (): void => {
          this.caches.granting.delete(key);
        };
        inflight.then((tokens) => {
          const ttl = config.cache_ttl ?? 3600;
          this.caches.tokens.set(key, tokens, tokenCacheExpiry(tokens.expiresIn, ttl, config.cache_ttl_max, tokens.obtainedAt));
          settle();
        }, settle);
      }
    }
    try {
      return { ok: true, tokens: await inflight, cached: false };
    } catch (error) {
      // Only what the IdP said (error code, description) is logged: never the credentials.
      const reason = idpErrorText(error);
      this.log.info("openid-connect: token endpoint refused the grant", { grant: credentials.grant, endpoint, error: reason });
      return { ok: false, reason: `unable to authenticate with the ${credentials.grant} grant (${reason})`, unexpected: isTrustFailure(error) };
    }
  }

  private async request(
    state: IssuerState,
    call: IdpCall,
    clientId: string,
    credentials: GrantCredentials,
    extras: { headers: Pair[]; args: Pair[] },
  ): Promise<GrantedTokens> {
    const { endpoint } = call;
    const server: oidc.ServerMetadata = { ...state.metadata, token_endpoint: endpoint };
    const client = new oidc.Configuration(server, clientId, undefined, call.auth);
    const replayNames = (this.config.token_headers_replay ?? []).map((n) => n.toLowerCase());
    let replay: Pair[] = [];
    client[oidc.customFetch] = async (url, options) => {
      const headers = new Headers(options.headers);
      for (const [name, value] of extras.headers) headers.set(name, value);
      const response = await call.fetch(url, { ...options, headers } as RequestInit);
      const prefix = this.config.token_headers_prefix ?? "";
      replay = replayNames.flatMap((name) => {
        const value = response.headers.get(name);
        return value === null ? [] : [[`${prefix}${name}`, value] as const];
      });
      return response;
    };
    if (new URL(endpoint).protocol === "http:") oidc.allowInsecureRequests(client);
    client.timeout = Math.max(1, Math.ceil((this.config.timeout ?? 10_000) / 1000));
    const params = new URLSearchParams(extras.args.map(([n, v]) => [n, v] as [string, string]));
    const scope = grantScope(this.config.scopes, credentials.grant);
    if (scope && !params.has("scope")) params.set("scope", scope);
    const response =
      credentials.grant === "password"
        ? await oidc.genericGrantRequest(client, "password", withCredentials(params, credentials))
        : await oidc.clientCredentialsGrant(client, params);
    return {
      accessToken: response.access_token,
      expiresIn: typeof response.expires_in === "number" ? response.expires_in : undefined,
      scope: typeof response.scope === "string" ? response.scope : undefined,
      obtainedAt: Date.now(),
      replay,
    };
  }
}

function withCredentials(params: URLSearchParams, credentials: GrantCredentials): URLSearchParams {
  const out = new URLSearchParams(params);
  out.set("username", credentials.user);
  out.set("password", credentials.secret);
  return out;
}

/**
 * `scopes` (Kong's default `openid`) as the grant's `scope` argument. `openid` asks for an ID
 * token about an end user; client_credentials has none, and IdPs refuse it there, so it is left
 * out of that grant.
 */
export function grantScope(scopes: readonly string[] | null | undefined, grant: GrantType): string | undefined {
  const list = (scopes ?? []).filter((s) => grant === "password" || s !== "openid");
  return list.length > 0 ? list.join(" ") : undefined;
}
