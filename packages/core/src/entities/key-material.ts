/**
 * The key material of a `keys` entity, read with node:crypto (OpenSSL underneath, as Kong's
 * lua-resty-openssl `pkey.new`). Pure: nothing logged, and no message quotes the input, so a
 * private key cannot leak into a response or a log through an error.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { isRecord } from "../is-record.ts";

/** Kong's `typedefs.jwk` record (kong/db/schema/typedefs.lua): its members and their types. */
const JWK_ARRAY_MEMBERS: ReadonlySet<string> = new Set(["key_ops", "x5c"]);
const JWK_STRING_MEMBERS: ReadonlySet<string> = new Set([
  "issuer", "kty", "use", "alg", "kid", "x5u", "x5t", "x5t#S256", "k", "x", "y", "crv",
  "n", "e", "d", "p", "q", "dp", "dq", "qi", "oth", "r", "t",
]);

/**
 * Kong's `schema:validate(json_jwk)` against `typedefs.jwk`, as `errors_to_string` joins it:
 * unknown members and members of the wrong type, `kid` required; undefined when it passes.
 */
export function jwkMemberErrors(jwk: Record<string, unknown>): string | undefined {
  const errors: string[] = [];
  if (jwk["kid"] === undefined || jwk["kid"] === null) errors.push("kid: required field missing");
  for (const name of Object.keys(jwk).sort()) {
    const value = jwk[name];
    if (value === null) continue;
    if (JWK_ARRAY_MEMBERS.has(name)) {
      if (!Array.isArray(value)) errors.push(`${name}: expected an array`);
      else if (value.some((item) => typeof item !== "string")) errors.push(`${name}: expected a string`);
    } else if (JWK_STRING_MEMBERS.has(name)) {
      if (typeof value !== "string") errors.push(`${name}: expected a string`);
    } else errors.push(`${name}: unknown field`);
  }
  return errors.length ? errors.join("; ") : undefined;
}

/** A JWK as OpenSSL loads it (private when it has `d`), or undefined when it is not a key. */
export function loadJwk(jwk: Record<string, unknown>): KeyObject | undefined {
  try {
    const key = jwk as JsonWebKey;
    return jwk["d"] === undefined ? createPublicKey({ key, format: "jwk" }) : createPrivateKey({ key, format: "jwk" });
  } catch {
    return undefined;
  }
}

/**
 * The JWK string of a key, decoded: `json` false when it is not JSON; `jwk` undefined when it is
 * JSON but no object (that has no `kid` to match: Kong reads `json_jwk.kid` as nil).
 */
export function decodeJwk(text: string): { json: boolean; jwk: Record<string, unknown> | undefined } {
  try {
    const decoded = JSON.parse(text) as unknown;
    return { json: true, jwk: isRecord(decoded) ? decoded : undefined };
  } catch {
    return { json: false, jwk: undefined };
  }
}
