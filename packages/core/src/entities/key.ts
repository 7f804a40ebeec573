import type { FieldError, FieldErrors } from "../errors/kong-error.ts";
import type { KongEntityCheck } from "../schema/kong-format.ts";
import type { FieldSchema, RecordSchema } from "../schema/types.ts";
import { isReference } from "../vault/reference.ts";
import { parsePrivateKey, parsePublicKey, samePublicKey } from "../x509/pem.ts";
import { baseProperties, foreignField } from "./common.ts";
import { decodeJwk, jwkMemberErrors, loadJwk } from "./key-material.ts";
import type { Key } from "./types.ts";

/** Kong's `name`/`kid` of keys: plain strings (not its `utf8_name`), so any text but the empty one. */
const text: FieldSchema = { type: ["string", "null"], minLength: 1 };

/**
 * Kong's keys (kong/db/schema/entities/keys.lua): a `kid`, the key as a JWK string or as PEMs
 * (`typedefs.pem`), optionally in a key set. The JWK string and the private PEM are secrets:
 * referenceable (a `{vault://…}` is stored as given) and `encrypted` (Kong's keyring field).
 */
export const keySchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "kid"],
  properties: {
    ...baseProperties,
    set: foreignField("key_sets"),
    name: text,
    kid: { type: "string", minLength: 1 },
    jwk: { ...text, encrypted: true, referenceable: true },
    pem: {
      type: ["object", "null"],
      kongType: "record",
      additionalProperties: false,
      properties: {
        private_key: { ...text, encrypted: true, referenceable: true },
        public_key: { ...text, referenceable: true },
      },
    },
  },
};

const FORMATS = ["jwk", "pem"] as const;
const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(", ");

/** Kong's `entity_checks` of keys, for `GET /schemas/keys` (the custom check's function is not JSON). */
export const keyEntityChecks: readonly KongEntityCheck[] = [
  { mutually_exclusive: FORMATS },
  { at_least_one_of: FORMATS },
  { custom_entity_check: { field_sources: ["jwk", "pem", "kid"] } },
];

/**
 * Kong's `typedefs.pem`: at least one of the two PEMs, each must load as its kind of key (`type =
 * "pu"` / `"pr"`), and a pair must be one key. A vault reference in either skips the loading (its
 * PEM is only known once the proxy resolves it).
 */
export function pemError(pem: Key["pem"]): FieldError | undefined {
  if (pem === null) return undefined;
  const { private_key: privateKey, public_key: publicKey } = pem;
  if (privateKey === null && publicKey === null)
    return { "@entity": [`at least one of these fields must be non-empty: ${quoted(["private_key", "public_key"])}`] };
  if (isReference(privateKey) || isReference(publicKey)) return undefined;
  const pub = publicKey === null ? undefined : parsePublicKey(publicKey);
  if (pub && !pub.ok) return "could not load public key";
  const priv = privateKey === null ? undefined : parsePrivateKey(privateKey);
  // Kong appends lua-resty-openssl's error to this message without a separator: so do we.
  if (priv && !priv.ok) return `could not load private key${priv.error}`;
  // Kong compares `privkey:to_PEM("public")` with `pubkey:to_PEM()`.
  if (pub?.ok && priv?.ok && !samePublicKey(priv.value, pub.value)) return "public key does not match private key";
  return undefined;
}

/**
 * The JWK part of Kong's custom entity check: JSON, its `kid` the key's, a key OpenSSL loads,
 * members of `typedefs.jwk` (checked in that order; the first failure is the message).
 */
export function jwkError(key: Pick<Key, "jwk" | "kid">): string | undefined {
  if (key.jwk === null) return undefined;
  const { json, jwk } = decodeJwk(key.jwk);
  if (!json) return "could not json decode jwk string";
  if (jwk?.["kid"] !== key.kid) return "kid in jwk.kid must be equal to keys.kid";
  if (!loadJwk(jwk)) return "could not load JWK, likely not a valid key";
  return jwkMemberErrors(jwk);
}

/**
 * Kong's checks of keys, in its order and with its skips: `mutually_exclusive` and the custom
 * check do not run when `pem` has errors of its own, and the custom check does not run on a
 * `jwk` vault reference (kong/db/schema/init.lua `run_entity_check`).
 */
export function checkKey(key: Key): FieldErrors | undefined {
  const fields: FieldErrors = {};
  const pem = pemError(key.pem);
  if (pem !== undefined) fields["pem"] = pem;
  const entity: string[] = [];
  const given = FORMATS.filter((format) => key[format] !== null);
  if (pem === undefined && given.length > 1) entity.push(`only one or none of these fields must be set: ${quoted(FORMATS)}`);
  if (given.length === 0) entity.push(`at least one of these fields must be non-empty: ${quoted(FORMATS)}`);
  const jwk = pem === undefined && !isReference(key.jwk) ? jwkError(key) : undefined;
  if (jwk !== undefined) entity.push(jwk);
  if (entity.length) fields["@entity"] = entity;
  return Object.keys(fields).length ? fields : undefined;
}
