import { createPrivateKey } from "node:crypto";
import type { Key } from "@tether/core";
import type { OpenIdConnectJwk } from "./schema.ts";

/** A key's private part as a JWK carrying the key's `kid`; undefined for public-only material. */
function privateJwk(key: Key): OpenIdConnectJwk | undefined {
  try {
    if (key.jwk !== null) {
      const jwk = JSON.parse(key.jwk) as OpenIdConnectJwk;
      return typeof jwk.d === "string" ? { ...jwk, kid: key.kid } : undefined;
    }
    const pem = key.pem?.private_key;
    return pem ? { ...(createPrivateKey(pem).export({ format: "jwk" }) as OpenIdConnectJwk), kid: key.kid } : undefined;
  } catch {
    // Material that does not load (a vault reference that did not resolve is "", logged at load).
    return undefined;
  }
}

/**
 * Tether's `client_key_set` (docs/keys.md): the keys of a key set holding a private part, as
 * `client_jwk` entries in the set's order, so `private_key_jwt` picks its key as it does there.
 */
export function keySetJwks(keys: readonly Key[]): OpenIdConnectJwk[] {
  return keys.flatMap((key) => {
    const jwk = privateJwk(key);
    return jwk ? [jwk] : [];
  });
}
