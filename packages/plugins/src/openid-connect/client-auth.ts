import * as oidc from "openid-client";
import type { OidcClientAuthMethod } from "./schema.ts";

/** What a client authentication method may need: the client secret, the gateway's signing key. */
export interface ClientCredentialMaterial {
  readonly secret: string | undefined;
  readonly privateKey: oidc.PrivateKey | undefined;
}

/**
 * openid-client's authentication for one of Kong's client auth methods, or why it cannot be made
 * (a string: the caller answers 500, an operator problem, not the caller's). With the TLS methods
 * the body carries `client_id` only (RFC 8705 §2): the certificate goes on the connection, which
 * the caller's fetch makes.
 */
export function clientAuth(method: OidcClientAuthMethod, material: ClientCredentialMaterial): oidc.ClientAuth | string {
  switch (method) {
    case "client_secret_basic":
      return oidc.ClientSecretBasic(material.secret);
    case "client_secret_post":
      return oidc.ClientSecretPost(material.secret);
    case "client_secret_jwt":
      return oidc.ClientSecretJwt(material.secret);
    case "private_key_jwt":
      return material.privateKey ? oidc.PrivateKeyJwt(material.privateKey) : "private_key_jwt needs a private key in config.client_jwk";
    case "tls_client_auth":
    case "self_signed_tls_client_auth":
      return oidc.TlsClientAuth();
    case "none":
      return oidc.None();
  }
}
