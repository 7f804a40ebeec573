import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../../../../test/fixtures/pki/index.ts";
import { checkCaCertificate, computeCertDigest } from "./ca-certificate.ts";
import type { CaCertificate } from "./types.ts";

let pki: TestPki;
before(() => {
  pki = createPki();
});
after(() => rmSync(pki.dir, { recursive: true, force: true }));

const ca = (cert: string): CaCertificate => ({ id: "0b5c0c55-44b0-4a0e-9a36-5a1f7e3c2d10", created_at: 0, updated_at: 0, tags: null, cert, cert_digest: "" });
const entityError = (message: string) => ({ "@entity": [message] });

describe("checkCaCertificate (kong/db/schema/entities/ca_certificates.lua)", () => {
  it("accepts one unexpired CA certificate", () => {
    assert.equal(checkCaCertificate(ca(pki.ca.cert)), undefined);
  });

  it("refuses, in Kong's order: several certificates, expired, not a CA", () => {
    // Two leaves: the count is judged first.
    assert.deepEqual(checkCaCertificate(ca(pki.server.cert + pki.expiredClient.cert)), entityError("please submit only one certificate at a time"));
    assert.deepEqual(checkCaCertificate(ca(pki.expiredClient.cert)), entityError('certificate expired, "Not After" time is in the past'));
    assert.deepEqual(
      checkCaCertificate(ca(pki.server.cert)),
      entityError('certificate does not appear to be a CA because it is missing the "CA" basic constraint'),
    );
  });

  it("judges expiry against the clock it is given", () => {
    const notAfter = Date.parse(new X509Certificate(pki.ca.cert).validTo);
    assert.equal(checkCaCertificate(ca(pki.ca.cert), notAfter), undefined);
    assert.deepEqual(checkCaCertificate(ca(pki.ca.cert), notAfter + 1000), entityError('certificate expired, "Not After" time is in the past'));
  });

  it("reports text that is not a certificate on the field", () => {
    assert.match(String(checkCaCertificate(ca("garbage"))?.["cert"]), /^invalid certificate: x509\.new: /);
  });
});

describe("computeCertDigest (Kong's on_write transformation)", () => {
  it("sets the hex SHA-256 of the DER, replacing any digest given", () => {
    const input: Record<string, unknown> = { cert: pki.ca.cert, cert_digest: "f".repeat(64) };
    assert.equal(computeCertDigest(input), undefined);
    assert.equal(input["cert_digest"], createHash("sha256").update(new X509Certificate(pki.ca.cert).raw).digest("hex"));
  });

  it("leaves none when the cert does not parse (the check reports it)", () => {
    const input: Record<string, unknown> = { cert: "garbage", cert_digest: "f".repeat(64) };
    computeCertDigest(input);
    assert.equal(input["cert_digest"], undefined);
  });
});
