import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { selfSigned, type KeyPair } from "../../../../test/fixtures/pki/self-signed.ts";
import {
  certificateDigest,
  countCertificateMarkers,
  keyMatchesCertificate,
  keyTypeOf,
  parseCertificate,
  parseCertificateChain,
  parsePrivateKey,
} from "./pem.ts";

let dir: string;
let ec: KeyPair, rsa: KeyPair;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-pem-"));
  ec = selfSigned(dir, "ec", "ec");
  rsa = selfSigned(dir, "rsa", "rsa");
});
after(() => rmSync(dir, { recursive: true, force: true }));

function value<T>(parsed: { ok: true; value: T } | { ok: false; error: string }): T {
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.value;
}

describe("PEM parsing (Kong's x509.new / pkey.new, with node:crypto)", () => {
  it("reads a chain leaf first, and the first certificate alone", () => {
    const chain = value(parseCertificateChain(ec.cert + "\n" + rsa.cert));
    assert.deepEqual(chain.map((c) => c.subject), ["CN=ec", "CN=rsa"]);
    assert.equal(value(parseCertificate(rsa.cert + ec.cert)).subject, "CN=rsa");
    assert.equal(countCertificateMarkers(ec.cert + rsa.cert), 2);
    assert.equal(countCertificateMarkers(ec.cert), 1);
  });

  it("reports OpenSSL's reason with Kong's prefixes, never quoting the input", () => {
    const cert = parseCertificateChain("not a certificate");
    assert.ok(!cert.ok && /^x509\.new: error:/.test(cert.error), JSON.stringify(cert));
    const broken = parseCertificateChain(ec.cert + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert.ok(!broken.ok, "a broken certificate further down the chain is refused too");
    const key = parsePrivateKey(rsa.cert);
    assert.ok(!key.ok && /^pkey\.new:load_key: /.test(key.error));
    const truncated = parsePrivateKey(rsa.key.slice(0, 200));
    assert.ok(!truncated.ok && !truncated.error.includes(rsa.key.split("\n")[1]!), "the key is not echoed");
  });

  it("matches a key to its certificate and tells key types apart", () => {
    const ecCert = value(parseCertificate(ec.cert));
    const rsaCert = value(parseCertificate(rsa.cert));
    assert.equal(keyMatchesCertificate(ecCert, value(parsePrivateKey(ec.key))), true);
    assert.equal(keyMatchesCertificate(ecCert, value(parsePrivateKey(rsa.key))), false);
    assert.equal(keyMatchesCertificate(rsaCert, value(parsePrivateKey(rsa.key))), true);
    assert.equal(keyTypeOf(ecCert), "ec");
    assert.equal(keyTypeOf(rsaCert), "rsa");
  });

  it("digests the DER as lower-case hex SHA-256 (Kong's cert_digest)", () => {
    const expected = createHash("sha256").update(new X509Certificate(ec.cert).raw).digest("hex");
    assert.equal(certificateDigest(value(parseCertificate(ec.cert))), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
  });
});
