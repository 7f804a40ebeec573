import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { selfSigned, type KeyPair } from "../../../../test/fixtures/pki/self-signed.ts";
import { checkCertificate } from "./certificate.ts";
import type { Certificate } from "./types.ts";

let dir: string;
let ec: KeyPair, ec2: KeyPair, rsa: KeyPair;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-cert-check-"));
  ec = selfSigned(dir, "ec", "ec");
  ec2 = selfSigned(dir, "ec2", "ec");
  rsa = selfSigned(dir, "rsa", "rsa");
});
after(() => rmSync(dir, { recursive: true, force: true }));

const entity = (fields: Partial<Certificate>): Certificate => ({
  id: "4f1b8d2e-8c2e-4a57-9d3b-0c6a1f6a9e01",
  created_at: 0,
  updated_at: 0,
  tags: null,
  cert: ec.cert,
  key: ec.key,
  cert_alt: null,
  key_alt: null,
  ...fields,
});

const SAME_TYPE =
  "certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type";

describe("checkCertificate (kong/db/schema/entities/certificates.lua)", () => {
  it("accepts a matching pair, a chain, and an alternative of another key type", () => {
    assert.equal(checkCertificate(entity({})), undefined);
    assert.equal(checkCertificate(entity({ cert: ec.cert + rsa.cert })), undefined);
    assert.equal(checkCertificate(entity({ cert_alt: rsa.cert, key_alt: rsa.key })), undefined);
    assert.equal(checkCertificate(entity({ cert: rsa.cert, key: rsa.key, cert_alt: ec.cert, key_alt: ec.key })), undefined);
  });

  it("puts a mismatched key on the entity", () => {
    assert.deepEqual(checkCertificate(entity({ key: ec2.key })), { "@entity": ["certificate does not match key"] });
    assert.deepEqual(checkCertificate(entity({ cert: rsa.cert + ec.cert, key: ec.key })), { "@entity": ["certificate does not match key"] });
  });

  it("puts unparseable PEM on its field and skips the checks that read it", () => {
    const errors = checkCertificate(entity({ cert: "x", key_alt: "y", cert_alt: rsa.cert }));
    assert.match(String(errors?.["cert"]), /^invalid certificate: x509\.new: /);
    assert.match(String(errors?.["key_alt"]), /^invalid key: pkey\.new:load_key: /);
    assert.equal(errors?.["@entity"], undefined);
  });

  it("wants cert_alt and key_alt together, matching, and of another type than cert", () => {
    assert.deepEqual(checkCertificate(entity({ cert_alt: rsa.cert })), {
      "@entity": ["all or none of these fields must be set: 'cert_alt', 'key_alt'"],
    });
    assert.deepEqual(checkCertificate(entity({ key_alt: rsa.key })), {
      "@entity": ["all or none of these fields must be set: 'cert_alt', 'key_alt'"],
    });
    assert.deepEqual(checkCertificate(entity({ cert_alt: rsa.cert, key_alt: ec2.key })), {
      "@entity": ["alternative certificate does not match key"],
    });
    assert.deepEqual(checkCertificate(entity({ cert_alt: ec2.cert, key_alt: ec2.key })), { "@entity": [SAME_TYPE] });
    // Every failing entity check is reported, in Kong's order.
    assert.deepEqual(checkCertificate(entity({ key: ec2.key, cert_alt: ec2.cert, key_alt: ec.key })), {
      "@entity": ["certificate does not match key", "alternative certificate does not match key", SAME_TYPE],
    });
  });
});
