import type { PluginInstance } from "@tether/core";
import type { PluginAdminReply, PluginAdminRoute } from "../admin-routes.ts";
import { allOidcCaches } from "./caches.ts";
import { publicJwk, type PublicJwk } from "./client-jwk.ts";
import type { OpenIdConnectConfig } from "./schema.ts";
import type { IssuerState } from "./issuers.ts";

/** Kong's issuer object: `{id, issuer, created_at, configuration, keys}`. */
export function issuerJson(state: IssuerState): Record<string, unknown> {
  return {
    id: state.id,
    issuer: state.configured,
    created_at: Math.floor(state.createdAt / 1000),
    configuration: state.metadata,
    keys: state.jwks?.keys()?.keys ?? [],
  };
}

/** Every issuer this process discovered (TLS-verified and `ssl_verify: false` caches), once each. */
function issuers(): IssuerState[] {
  const seen = new Map<string, IssuerState>();
  for (const caches of allOidcCaches())
    for (const state of [...caches.verified.list(), ...caches.unverified.list()]) if (!seen.has(state.id)) seen.set(state.id, state);
  return [...seen.values()].sort((a, b) => a.createdAt - b.createdAt);
}

function matches(state: IssuerState, key: string): boolean {
  return state.id === key || state.configured === key || state.issuer === key;
}

const NOT_FOUND: PluginAdminReply = { status: 404, body: { message: "Not found" } };

/** Forgets discovery and keys (one issuer or all) and every verified token, which those keys vouched for. */
function clear(key?: string): PluginAdminReply {
  for (const caches of allOidcCaches()) {
    caches.verified.delete(key);
    caches.unverified.delete(key);
    caches.jwts.clear();
  }
  return { status: 204 };
}

/**
 * Kong's `{"keys": [...]}`: the public halves of the gateway's `client_jwk` keys, across every
 * openid-connect instance, once each — what an IdP registers to check `private_key_jwt`
 * assertions. Private members never leave (only public members are copied).
 */
export function gatewayJwks(plugins: readonly PluginInstance[]): { keys: PublicJwk[] } {
  const keys = new Map<string, PublicJwk>();
  for (const plugin of plugins) {
    if (plugin.name !== "openid-connect") continue;
    for (const jwk of (plugin.config as Partial<OpenIdConnectConfig>).client_jwk ?? []) {
      const pub = publicJwk(jwk);
      if (pub) keys.set(JSON.stringify(pub), pub);
    }
  }
  return { keys: [...keys.values()] };
}

/**
 * `/openid-connect/issuers` (discovery cache) and `/openid-connect/jwks` (the public keys of
 * `client_jwk`, read from the store: Kong lists the keys it generated, Tether generates none).
 * Tether keeps discovery in process memory, not in the database: the list is what this node
 * discovered since it started, and an issuer appears after its first request.
 */
export const openIdConnectAdminRoutes: readonly PluginAdminRoute[] = [
  { method: "GET", path: "/openid-connect/issuers", handle: () => ({ status: 200, body: { data: issuers().map(issuerJson), next: null } }) },
  {
    method: "GET",
    path: "/openid-connect/issuers/:issuer",
    handle: ({ issuer }) => {
      const state = issuers().find((s) => matches(s, issuer ?? ""));
      return state ? { status: 200, body: issuerJson(state) } : NOT_FOUND;
    },
  },
  { method: "DELETE", path: "/openid-connect/issuers", handle: () => clear() },
  { method: "DELETE", path: "/openid-connect/issuers/:issuer", handle: ({ issuer }) => clear(issuer ?? "") },
  { method: "GET", path: "/openid-connect/jwks", handle: async (_params, context) => ({ status: 200, body: gatewayJwks(await context.plugins()) }) },
];
