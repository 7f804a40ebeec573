import type { ConfigView, PluginEnvironment } from "@tether/core";
import { importJWK, type JWK } from "jose";
import type * as oidc from "openid-client";
import { clientAuth } from "./client-auth.ts";
import { signingJwk } from "./client-jwk.ts";
import { keySetJwks } from "./client-key-set.ts";
import { clientEndpoint, isTlsClientAuth, type ClientEndpointKind } from "./idp-endpoints.ts";
import { reportingFetch } from "./idp-requests.ts";
import type { OidcClientAuthMethod, OpenIdConnectConfig, OpenIdConnectJwk } from "./schema.ts";

/** One request of the gateway to an IdP endpoint: where, authenticated how, over which connection. */
export interface IdpCall {
  readonly endpoint: string;
  readonly auth: oidc.ClientAuth;
  readonly fetch: typeof fetch;
}

/** The call, or why it cannot be made (an operator problem: the caller answers 500). */
export type IdpCallOutcome = { readonly ok: true; readonly call: IdpCall } | { readonly ok: false; readonly reason: string };

/** Mutual-TLS fetches by snapshot (its view) and certificate: one connection pool each, not one per request. */
const tlsFetches = new WeakMap<ConfigView, Map<string, typeof fetch>>();

type GatewayAuthConfig = Pick<
  OpenIdConnectConfig,
  | "client_jwk"
  | "client_key_set"
  | "client_alg"
  | "tls_client_auth_cert_id"
  | "tls_client_auth_ssl_verify"
  | "token_endpoint"
  | "introspection_endpoint"
  | "mtls_token_endpoint"
  | "mtls_introspection_endpoint"
>;

/**
 * How the gateway authenticates itself to the IdP as an OAuth client (Kong 3.6, reference 3.13):
 * a secret, a `private_key_jwt` assertion signed with `client_jwk` (or, Tether's extension, a key of
 * the key set `client_key_set`), or mutual TLS presenting the
 * Certificate entity `tls_client_auth_cert_id` (RFC 8705 §2), to the mTLS endpoint alias. Built
 * once per plugin instance and snapshot; the certificate is looked up when first needed, so a
 * missing one fails the requests that need it (500, logged with its id), as in Kong.
 */
export class GatewayAuth {
  private signingKey: Promise<oidc.PrivateKey | string> | undefined;

  constructor(
    private readonly config: GatewayAuthConfig,
    private readonly view: ConfigView,
    private readonly env: Pick<PluginEnvironment, "clientCertificateFetch" | "metrics">,
    /** The fetch for every other IdP call (trusting what `ssl_verify` says). */
    private readonly plainFetch: typeof fetch,
  ) {}

  async prepare(kind: ClientEndpointKind, method: OidcClientAuthMethod, metadata: oidc.ServerMetadata, secret: string | undefined): Promise<IdpCallOutcome> {
    const endpoint = clientEndpoint(kind, method, this.config, metadata);
    if (!endpoint) return { ok: false, reason: `${kind} endpoint was not specified` };
    const privateKey = method === "private_key_jwt" ? await this.privateKey() : undefined;
    if (typeof privateKey === "string") return { ok: false, reason: privateKey };
    const auth = clientAuth(method, { secret, privateKey });
    if (typeof auth === "string") return { ok: false, reason: auth };
    const transport = isTlsClientAuth(method) ? this.tlsFetch() : this.plainFetch;
    if (typeof transport === "string") return { ok: false, reason: transport };
    return { ok: true, call: { endpoint, auth, fetch: reportingFetch(kind, transport, this.env.metrics) } };
  }

  private tlsFetch(): typeof fetch | string {
    const id = this.config.tls_client_auth_cert_id;
    if (!id) return "tls_client_auth_cert_id is required when tls client auth is enabled";
    const verify = this.config.tls_client_auth_ssl_verify !== false;
    let byCertificate = tlsFetches.get(this.view);
    if (!byCertificate) tlsFetches.set(this.view, (byCertificate = new Map()));
    const key = `${id} ${verify}`;
    const cached = byCertificate.get(key);
    if (cached) return cached;
    const certificate = this.view.certificate(id);
    if (!certificate) return `the certificate ${id} (tls_client_auth_cert_id) was not found`;
    const made = this.env.clientCertificateFetch({ cert: certificate.cert, key: certificate.key }, verify);
    byCertificate.set(key, made);
    return made;
  }

  /** The keys to sign with and the field they come from: the key set when one is named, else client_jwk. */
  private signingKeys(): { field: string; keys: readonly OpenIdConnectJwk[] } | string {
    const set = this.config.client_key_set;
    if (!set) return { field: "client_jwk", keys: this.config.client_jwk ?? [] };
    const keys = this.view.keySet(set);
    return keys ? { field: "client_key_set", keys: keySetJwks(keys) } : `the key set ${set} (client_key_set) was not found`;
  }

  private privateKey(): Promise<oidc.PrivateKey | string> {
    this.signingKey ??= (async () => {
      const source = this.signingKeys();
      if (typeof source === "string") return source;
      const signing = signingJwk({ client_jwk: [...source.keys], client_alg: this.config.client_alg });
      if (!signing) return `private_key_jwt needs a private key in config.${source.field}`;
      const { issuer: _issuer, ...jwk } = signing.jwk;
      try {
        const key = await importJWK(jwk as JWK, signing.alg);
        if (key instanceof Uint8Array) return `private_key_jwt needs an asymmetric key in config.${source.field}`;
        return { key, ...(jwk.kid ? { kid: jwk.kid } : {}) };
      } catch (error) {
        // jose names what is wrong with the key, never its members.
        return `config.${source.field} cannot sign with ${signing.alg} (${(error as Error).message})`;
      }
    })();
    return this.signingKey;
  }
}
