import type * as oidc from "openid-client";
import type { OidcClientAuthMethod, OpenIdConnectConfig } from "./schema.ts";

/** The IdP endpoints the gateway calls as an OAuth client (and authenticates to). */
export type ClientEndpointKind = "token" | "introspection";

/** RFC 8705 §2: the client authenticates with the certificate of the TLS connection. */
export function isTlsClientAuth(method: OidcClientAuthMethod): method is "tls_client_auth" | "self_signed_tls_client_auth" {
  return method === "tls_client_auth" || method === "self_signed_tls_client_auth";
}

type EndpointConfig = Pick<OpenIdConnectConfig, "token_endpoint" | "introspection_endpoint" | "mtls_token_endpoint" | "mtls_introspection_endpoint">;

/**
 * Where to send a request: with TLS client authentication, the configured `mtls_<kind>_endpoint`,
 * else discovery's `mtls_endpoint_aliases` (RFC 8705 §5), else the plain endpoint; otherwise the
 * configured `<kind>_endpoint`, else discovery's (Kong 3.6, reference 3.13).
 */
export function clientEndpoint(kind: ClientEndpointKind, method: OidcClientAuthMethod, config: EndpointConfig, metadata: oidc.ServerMetadata): string | undefined {
  const plain = config[`${kind}_endpoint`] ?? metadata[`${kind}_endpoint`];
  if (!isTlsClientAuth(method)) return plain ?? undefined;
  return config[`mtls_${kind}_endpoint`] ?? metadata.mtls_endpoint_aliases?.[`${kind}_endpoint`] ?? plain ?? undefined;
}
