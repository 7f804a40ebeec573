import * as oidc from "openid-client";
import type { OidcClientAuthMethod } from "./schema.ts";

/**
 * openid-client's authentication for one of Kong's client auth methods, or why Tether cannot do
 * it yet (a string: the caller answers 500, an operator problem, not the caller's).
 */
export function clientAuth(method: OidcClientAuthMethod, secret: string | undefined, endpoint: string): oidc.ClientAuth | string {
  switch (method) {
    case "client_secret_basic":
      return oidc.ClientSecretBasic(secret);
    case "client_secret_post":
      return oidc.ClientSecretPost(secret);
    case "client_secret_jwt":
      return oidc.ClientSecretJwt(secret);
    case "none":
      return oidc.None();
    default:
      return `${endpoint}_endpoint_auth_method ${method} is not supported yet`;
  }
}
