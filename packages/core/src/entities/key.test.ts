import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { fillNulls, validateRecord } from "../schema/validate.ts";
import { checkKey, keySchema } from "./key.ts";
import type { Key } from "./types.ts";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = {
  private_key: rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  public_key: rsa.publicKey.export({ type: "spki", format: "pem" }) as string,
};
const jwk = (kid: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ ...ec.privateKey.export({ format: "jwk" }), kid, ...extra });

function key(fields: Record<string, unknown>): Key {
  const input: Record<string, unknown> = { id: "6f0c2a8e-3b1d-4d6c-9a57-0d7f1c2e9b11", created_at: 1, updated_at: 1, kid: "k1", ...fields };
  assert.equal(validateRecord(keySchema, input), undefined);
  return fillNulls(input, keySchema) as unknown as Key;
}

describe("keys entity checks (Kong's keys.lua and typedefs.pem/jwk)", () => {
  it("takes a JWK whose kid is the key's, or PEMs of one key", () => {
    assert.equal(checkKey(key({ jwk: jwk("k1") })), undefined);
    assert.equal(checkKey(key({ pem })), undefined);
    assert.equal(checkKey(key({ pem: { public_key: pem.public_key } })), undefined);
    assert.equal(checkKey(key({ pem: { private_key: pem.private_key } })), undefined);
  });

  it("wants exactly one of jwk and pem", () => {
    assert.deepEqual(checkKey(key({ jwk: jwk("k1"), pem })), { "@entity": ["only one or none of these fields must be set: 'jwk', 'pem'"] });
    assert.deepEqual(checkKey(key({})), { "@entity": ["at least one of these fields must be non-empty: 'jwk', 'pem'"] });
  });

  it("checks the JWK in Kong's order and words", () => {
    const entity = (jwkText: string): unknown => checkKey(key({ jwk: jwkText }))?.["@entity"];
    assert.deepEqual(entity("{not json"), ["could not json decode jwk string"]);
    assert.deepEqual(entity(jwk("other")), ["kid in jwk.kid must be equal to keys.kid"]);
    assert.deepEqual(entity('{"kid": "k1"}'), ["could not load JWK, likely not a valid key"]);
    assert.deepEqual(entity(JSON.stringify({ kty: "oct", k: "c2VjcmV0", kid: "k1" })), ["could not load JWK, likely not a valid key"]);
    assert.deepEqual(entity(jwk("k1", { ext: true })), ["ext: unknown field"]);
  });

  it("checks the PEMs as typedefs.pem does", () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }) as string;
    assert.deepEqual(checkKey(key({ pem: { ...pem, public_key: other } })), { pem: "public key does not match private key" });
    assert.deepEqual(checkKey(key({ pem: { public_key: pem.private_key } })), { pem: "could not load public key" });
    assert.match(String(checkKey(key({ pem: { private_key: pem.public_key } }))?.["pem"]), /^could not load private key/);
    assert.deepEqual(checkKey(key({ pem: {} })), {
      pem: { "@entity": ["at least one of these fields must be non-empty: 'private_key', 'public_key'"] },
    });
  });

  it("does not read vault references (known only once the proxy resolves them)", () => {
    assert.equal(checkKey(key({ jwk: "{vault://env/KEY_JWK}" })), undefined);
    assert.equal(checkKey(key({ pem: { private_key: "{vault://env/KEY_PEM}", public_key: pem.public_key } })), undefined);
  });
});
