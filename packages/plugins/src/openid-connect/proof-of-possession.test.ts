import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { ClientCertificate, Thumbprint } from "@tether/core";
import { boundThumbprint, checkCertificateBinding, mtlsApplies, POP_ERRORS, thumbprintsEqual } from "./proof-of-possession.ts";

const der = Buffer.from("a certificate, as DER bytes");
const x5t = createHash("sha256").update(der).digest("base64url");
const cert: ClientCertificate = { der, thumbprint: x5t as Thumbprint };
const other: ClientCertificate = { der: Buffer.from("x"), thumbprint: createHash("sha256").update("x").digest("base64url") as Thumbprint };
const bound = { cnf: { "x5t#S256": x5t } };

describe("checkCertificateBinding", () => {
  it("strict: passes only the matching certificate", () => {
    assert.deepEqual(checkCertificateBinding("strict", bound, cert), { ok: true, binding: "match" });
    assert.deepEqual(checkCertificateBinding("strict", bound, other), { ok: false, binding: "mismatch", description: POP_ERRORS.mismatch });
    assert.deepEqual(checkCertificateBinding("strict", bound, undefined), { ok: false, binding: "no_certificate", description: POP_ERRORS.noCertificate });
    assert.deepEqual(checkCertificateBinding("strict", {}, cert), { ok: false, binding: "claim_missing", description: POP_ERRORS.noClaim });
  });
  it("optional: checks tokens that carry the claim, passes the others", () => {
    assert.deepEqual(checkCertificateBinding("optional", bound, cert), { ok: true, binding: "match" });
    assert.deepEqual(checkCertificateBinding("optional", bound, undefined), { ok: false, binding: "no_certificate", description: POP_ERRORS.noCertificate });
    assert.deepEqual(checkCertificateBinding("optional", bound, other), { ok: false, binding: "mismatch", description: POP_ERRORS.mismatch });
    assert.deepEqual(checkCertificateBinding("optional", {}, undefined), { ok: true, binding: "unbound_allowed" });
    assert.deepEqual(checkCertificateBinding("optional", {}, other), { ok: true, binding: "unbound_allowed" });
  });
  it("off: never checks", () => {
    assert.deepEqual(checkCertificateBinding("off", bound, other), { ok: true, binding: "not_checked" });
    assert.deepEqual(checkCertificateBinding("off", {}, undefined), { ok: true, binding: "not_checked" });
  });
  it("refuses look-alike encodings of the same digest", () => {
    const digest = createHash("sha256").update(der).digest();
    for (const variant of [digest.toString("hex"), digest.toString("base64"), `${x5t}=`, ` ${x5t}`, x5t.toUpperCase()])
      assert.equal(checkCertificateBinding("strict", { cnf: { "x5t#S256": variant } }, cert).ok, false, variant);
  });
  it("ignores a claim that is not a string, or not under cnf", () => {
    assert.equal(boundThumbprint({ cnf: { "x5t#S256": 42 } }), undefined);
    assert.equal(boundThumbprint({ cnf: "x" }), undefined);
    assert.equal(boundThumbprint({ "x5t#S256": x5t }), undefined);
    assert.equal(checkCertificateBinding("strict", { cnf: { "x5t#S256": [x5t] } }, cert).ok, false);
  });
  it("compares thumbprints exactly", () => {
    assert.equal(thumbprintsEqual(x5t, x5t), true);
    assert.equal(thumbprintsEqual(x5t, `${x5t.slice(0, -1)}A`), x5t.endsWith("A"));
    assert.equal(thumbprintsEqual(x5t, ""), false);
  });
});

describe("mtlsApplies (precedence over DPoP, reference 3.11)", () => {
  it("strict always; optional only for a certificate-bound token; off never", () => {
    assert.equal(mtlsApplies("strict", {}), true);
    assert.equal(mtlsApplies("optional", bound), true);
    assert.equal(mtlsApplies("optional", { cnf: { jkt: "k" } }), false);
    assert.equal(mtlsApplies("off", bound), false);
  });
});
