import type { PluginAdminReply, PluginAdminRoute } from "../admin-routes.ts";
import { allOidcCaches } from "./caches.ts";
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
 * `/openid-connect/issuers` (discovery cache) and `/openid-connect/jwks` (the plugin's own
 * public keys for `private_key_jwt`; Tether generates none yet, so the set is empty).
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
  { method: "GET", path: "/openid-connect/jwks", handle: () => ({ status: 200, body: { keys: [] } }) },
];
