import * as oidc from "openid-client";
import type { AccessContext, Logger } from "@tether/core";
import { introspectionCacheKey, introspectionExpiry, sha256 } from "./cache-keys.ts";
import type { OidcCaches } from "./caches.ts";
import type { GatewayAuth, IdpCall } from "./gateway-auth.ts";
import { idpErrorText, isTrustFailure } from "./idp-requests.ts";
import type { IssuerState } from "./issuers.ts";
import type { OidcClientAuthMethod, OpenIdConnectConfig } from "./schema.ts";

/** An RFC 7662 answer: `active` and whatever else the IdP said (`cnf`, `scope`, `sub`, `exp`…). */
export type IntrospectionResult = Readonly<Record<string, unknown>> & { readonly active: boolean };

export type IntrospectionOutcome =
  | { ok: true; result: IntrospectionResult; cached: boolean }
  /** `unexpected`: a configuration Tether cannot act on (500), not a token problem (401). */
  | { ok: false; reason: string; unexpected: boolean };

export type Pair = readonly [string, string];

/** How the gateway authenticates to the introspection endpoint (reference 3.15, Client). */
export function introspectionAuthMethod(config: Pick<OpenIdConnectConfig, "introspection_endpoint_auth_method" | "client_auth" | "client_secret">): OidcClientAuthMethod {
  return config.introspection_endpoint_auth_method ?? config.client_auth?.[0] ?? (config.client_secret?.[0] ? "client_secret_basic" : "none");
}

export function pairs(names: readonly string[] | null | undefined, values: readonly string[] | null | undefined): Pair[] {
  return (names ?? []).flatMap((name, i) => (values?.[i] === undefined ? [] : [[name, values[i]!] as const]));
}

export function headerOf(ctx: AccessContext, name: string): string | undefined {
  const value = ctx.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Extra headers and form arguments for the introspection request, static and from the client. */
export function introspectionExtras(config: OpenIdConnectConfig, ctx: AccessContext): { headers: Pair[]; args: Pair[] } {
  const headers = pairs(config.introspection_headers_names, config.introspection_headers_values);
  for (const name of config.introspection_headers_client ?? []) {
    const value = headerOf(ctx, name);
    if (value !== undefined) headers.push([name, value]);
  }
  const args = pairs(config.introspection_post_args_names, config.introspection_post_args_values);
  for (const name of config.introspection_post_args_client ?? []) {
    const value = ctx.query.get(name);
    if (value !== null) args.push([name, value]);
  }
  for (const name of config.introspection_post_args_client_headers ?? []) {
    const value = headerOf(ctx, name);
    if (value !== undefined) args.push([name, value]);
  }
  if (config.introspection_hint) args.push(["token_type_hint", config.introspection_hint]);
  return { headers, args };
}

function withHeaders(fetch: typeof globalThis.fetch, extra: readonly Pair[]): oidc.CustomFetch {
  return (url, options) => {
    const headers = new Headers(options.headers);
    for (const [name, value] of extra) headers.set(name, value);
    return fetch(url, { ...options, headers } as RequestInit);
  };
}

/**
 * RFC 7662 introspection with openid-client's `tokenIntrospection`, on a Configuration built from
 * the cached discovery document, behind the process-wide cache (`cache_introspection`): keyed by
 * endpoint + client id + SHA-256 of the token, never past `exp`, inactive answers briefly, and one
 * request in flight per key. The caller checks `active`, the certificate binding and the claims
 * on every request, cached or not.
 */
export class Introspector {
  private readonly clientId: string | undefined;
  private readonly secret: string | undefined;
  private readonly method: OidcClientAuthMethod;

  constructor(
    private readonly config: OpenIdConnectConfig,
    private readonly caches: OidcCaches,
    private readonly gateway: GatewayAuth,
    private readonly log: Logger,
  ) {
    this.clientId = config.client_id?.[0] ?? undefined;
    this.secret = config.client_secret?.[0] ?? undefined;
    this.method = introspectionAuthMethod(config);
  }

  async introspect(state: IssuerState, token: string, ctx: AccessContext): Promise<IntrospectionOutcome> {
    const prepared = await this.gateway.prepare("introspection", this.method, state.metadata, this.secret);
    if (!prepared.ok) return { ok: false, reason: prepared.reason, unexpected: true };
    if (!this.clientId) return { ok: false, reason: "introspection needs config.client_id", unexpected: true };
    const { endpoint } = prepared.call;

    const extras = introspectionExtras(this.config, ctx);
    const caching = this.config.cache_introspection !== false;
    const key = introspectionCacheKey({
      endpoint,
      clientId: this.clientId,
      tokenDigest: sha256(token),
      extras: [...extras.headers.map(([n, v]) => [`h:${n}`, v] as const), ...extras.args],
    });
    if (caching) {
      const hit = this.caches.introspections.get(key);
      if (hit) return { ok: true, result: hit, cached: true };
    }
    let inflight = caching ? this.caches.introspecting.get(key) : undefined;
    if (!inflight) {
      inflight = this.request(state, prepared.call, token, extras);
      if (caching) {
        this.caches.introspecting.set(key, inflight);
        const settle = (): void => {
          this.caches.introspecting.delete(key);
        };
        inflight.then((result) => {
          this.caches.introspections.set(key, result, introspectionExpiry(result, this.ttlSettings(), Date.now()));
          settle();
        }, settle);
      }
    }
    try {
      return { ok: true, result: await inflight, cached: false };
    } catch (error) {
      // The IdP failed us (down, refused our client, answered nonsense): the caller gets a 401,
      // unless its certificate was not accepted (the node's trust to fix: 500, as for discovery).
      const reason = idpErrorText(error);
      this.log.error("openid-connect: introspection failed", { endpoint, error: reason });
      return { ok: false, reason: `unable to introspect the token (${reason})`, unexpected: isTrustFailure(error) };
    }
  }

  private ttlSettings() {
    return {
      ttlSec: this.config.cache_ttl ?? 3600,
      ttlMaxSec: this.config.cache_ttl_max,
      ttlMinSec: this.config.cache_ttl_min,
      ttlNegSec: this.config.cache_ttl_neg,
    };
  }

  private async request(state: IssuerState, call: IdpCall, token: string, extras: { headers: Pair[]; args: Pair[] }): Promise<IntrospectionResult> {
    const { endpoint } = call;
    const server: oidc.ServerMetadata = { ...state.metadata, introspection_endpoint: endpoint };
    const client = new oidc.Configuration(server, this.clientId!, undefined, call.auth);
    client[oidc.customFetch] = withHeaders(call.fetch, extras.headers);
    if (new URL(endpoint).protocol === "http:") oidc.allowInsecureRequests(client);
    client.timeout = Math.max(1, Math.ceil((this.config.timeout ?? 10_000) / 1000));
    const response = await oidc.tokenIntrospection(client, token, new URLSearchParams(extras.args.map(([n, v]) => [n, v] as [string, string])));
    return { ...response } as IntrospectionResult;
  }
}
