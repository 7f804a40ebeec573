// The certificate-header formats, against the RFC 9440 example certificate, real certificates
// from the test PKI, and what an attacker or a broken proxy would send.
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../../../../../test/fixtures/pki/index.ts";
import { parseForwardedCertificate, type ForwardedCertificate } from "./parse.ts";
import { parseXfcc } from "./xfcc.ts";

// RFC 9440 Appendix A / RFC 9421 B.3: the `Client-Cert` of the example (CN=BC, 428-byte DER).
const RFC9440_CLIENT_CERT =
  ":MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:";
const RFC9440_X5T = "v68ffgcPn6jdYpBfFY2nP4ShE2Yk-6_Mk5PI9yh6aes";
const RFC9440_HEX = "bfaf1f7e070f9fa8dd62905f158da73f84a1136624fbafcc9393c8f7287a69eb";

const x5t = (der: Buffer): string => createHash("sha256").update(der).digest("base64url");
const der = (pem: string): Buffer => new X509Certificate(pem).raw;
const xfccCert = (pem: string): string => `Cert="${encodeURIComponent(pem)}"`;

function leafOf(found: ForwardedCertificate): Buffer {
  assert.equal(found.kind, "certificate", JSON.stringify(found));
  return (found as Extract<ForwardedCertificate, { kind: "certificate" }>).leaf;
}
const isInvalid = (found: ForwardedCertificate): void => assert.equal(found.kind, "invalid", JSON.stringify(found));
const one = (value: string, chain: string[] = []) => ({ certificate: [value], chain });

describe("certificate header formats", () => {
  let pki: TestPki;
  let alice: string;
  let bob: string;
  before(() => {
    pki = createPki();
    alice = pki.clients.alice.cert;
    bob = pki.clients.bob.cert;
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  describe("rfc9440", () => {
    it("reads the RFC's Client-Cert example and gives its x5t#S256 (standards.md test vector)", () => {
      const leaf = leafOf(parseForwardedCertificate("rfc9440", one(RFC9440_CLIENT_CERT)));
      assert.equal(leaf.length, 428);
      assert.equal(x5t(leaf), RFC9440_X5T);
    });

    it("reads Client-Cert-Chain, over one line or several", () => {
      const ca = `:${der(pki.ca.cert).toString("base64")}:`;
      const leaf = `:${der(alice).toString("base64")}:`;
      const found = parseForwardedCertificate("rfc9440", { certificate: [leaf], chain: [`${ca}, ${RFC9440_CLIENT_CERT}`] });
      assert.equal(found.kind === "certificate" && found.chain.length, 2);
      const split = parseForwardedCertificate("rfc9440", { certificate: [leaf], chain: [ca, RFC9440_CLIENT_CERT] });
      assert.equal(split.kind === "certificate" && split.chain.length, 2);
    });

    it("refuses garbage, truncation, bare base64, a repeated header, a chain without a leaf, a bad chain member", () => {
      for (const value of ["garbage", RFC9440_CLIENT_CERT.slice(0, 200) + ":", RFC9440_CLIENT_CERT.slice(1, -1), ":not base64!:", "::", `${RFC9440_CLIENT_CERT};a=1`])
        isInvalid(parseForwardedCertificate("rfc9440", one(value)));
      isInvalid(parseForwardedCertificate("rfc9440", { certificate: [RFC9440_CLIENT_CERT, RFC9440_CLIENT_CERT], chain: [] }));
      isInvalid(parseForwardedCertificate("rfc9440", { certificate: [], chain: [RFC9440_CLIENT_CERT] }));
      isInvalid(parseForwardedCertificate("rfc9440", one(RFC9440_CLIENT_CERT, [":Zm9v:"])));
    });
  });

  describe("url_encoded", () => {
    it("reads nginx's $ssl_client_escaped_cert (URL-encoded PEM)", () => {
      assert.equal(x5t(leafOf(parseForwardedCertificate("url_encoded", one(encodeURIComponent(alice))))), x5t(der(alice)));
    });

    it("refuses two certificates, a truncated PEM, broken %-escapes, text around the PEM, a non-certificate block", () => {
      for (const value of [
        encodeURIComponent(alice + bob),
        encodeURIComponent(alice.slice(0, alice.length - 60)),
        "%E0%A4%A" + encodeURIComponent(alice),
        encodeURIComponent("x" + alice),
        encodeURIComponent(pki.clients.alice.key),
        encodeURIComponent("-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n"),
      ])
        isInvalid(parseForwardedCertificate("url_encoded", one(value)));
    });
  });

  describe("base64_encoded", () => {
    it("reads the base64 DER (a PEM body without its BEGIN/END lines)", () => {
      const body = der(bob).toString("base64");
      assert.equal(x5t(leafOf(parseForwardedCertificate("base64_encoded", one(body)))), x5t(der(bob)));
      assert.equal(x5t(leafOf(parseForwardedCertificate("base64_encoded", one(body.replace(/(.{64})/g, "$1 "))))), x5t(der(bob)));
    });

    it("refuses a whole PEM, junk characters, trailing bytes after the certificate", () => {
      isInvalid(parseForwardedCertificate("base64_encoded", one(alice)));
      isInvalid(parseForwardedCertificate("base64_encoded", one(der(bob).toString("base64") + "!!")));
      isInvalid(parseForwardedCertificate("base64_encoded", one(Buffer.concat([der(bob), Buffer.from("tail")]).toString("base64"))));
    });
  });

  describe("xfcc", () => {
    it("parses quoted values holding , ; = and escaped quotes", () => {
      assert.deepEqual(parseXfcc(`By=spiffe://a;Subject="CN=x, O=\\"y\\";z";URI=u,Hash=ab`), [
        [["By", "spiffe://a"], ["Subject", 'CN=x, O="y";z'], ["URI", "u"]],
        [["Hash", "ab"]],
      ]);
    });

    it("uses the nearest hop's element (the last one): an element the client injected before it never decides", () => {
      const injected = `${xfccCert(bob)};Hash=${createHash("sha256").update(der(bob)).digest("hex")}`;
      const header = `${injected},By=spiffe://edge;${xfccCert(alice)}`;
      assert.equal(x5t(leafOf(parseForwardedCertificate("xfcc", one(header)))), x5t(der(alice)));
      // Several header lines are one list, in order.
      assert.equal(x5t(leafOf(parseForwardedCertificate("xfcc", { certificate: [injected, xfccCert(alice)], chain: [] }))), x5t(der(alice)));
    });

    it("a nearest element without Cert is no certificate, even when an earlier element has one", () => {
      isInvalid(parseForwardedCertificate("xfcc", one(`${xfccCert(bob)},By=spiffe://edge;Hash=${RFC9440_HEX}`)));
    });

    it("checks Hash against Cert, drops the leaf from Chain", () => {
      const hash = createHash("sha256").update(der(alice)).digest("hex");
      assert.equal(x5t(leafOf(parseForwardedCertificate("xfcc", one(`Hash=${hash.toUpperCase()};${xfccCert(alice)}`)))), x5t(der(alice)));
      isInvalid(parseForwardedCertificate("xfcc", one(`Hash=${RFC9440_HEX};${xfccCert(alice)}`)));
      const found = parseForwardedCertificate("xfcc", one(`${xfccCert(alice)};Chain="${encodeURIComponent(alice + pki.ca.cert)}"`));
      assert.equal(found.kind === "certificate" && found.chain.length, 1);
      assert.ok(found.kind === "certificate" && found.chain[0]!.equals(der(pki.ca.cert)));
    });

    it("refuses broken syntax, two Certs in one element, two certificates in Cert", () => {
      for (const value of [
        `Cert="${encodeURIComponent(alice)}`, // unterminated quote
        `Cert=${encodeURIComponent(alice)}"x"`,
        `=x;${xfccCert(alice)}`,
        `${xfccCert(alice)};${xfccCert(bob)}`,
        `Cert="${encodeURIComponent(alice + bob)}"`,
        `${xfccCert(alice)},`,
        `${xfccCert(alice)};;By=x`,
        "",
      ])
        isInvalid(parseForwardedCertificate("xfcc", one(value)));
    });
  });

  it("an absent header is no certificate; an oversized one is refused before any parsing", () => {
    assert.deepEqual(parseForwardedCertificate("url_encoded", { certificate: [], chain: [] }), { kind: "absent" });
    isInvalid(parseForwardedCertificate("xfcc", one(`${xfccCert(alice)};By="${"a".repeat(40_000)}"`)));
  });

  it("never throws on random bytes, in any format", () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = 'abcAZ09+/=:;,"\\%- \t\n';
    for (let n = 0; n < 2000; n++) {
      const value = Array.from({ length: next() % 80 }, () => alphabet[next() % alphabet.length]).join("");
      for (const format of ["url_encoded", "base64_encoded", "rfc9440", "xfcc"] as const) {
        const found = parseForwardedCertificate(format, one(value, [value]));
        assert.notEqual(found.kind, "certificate");
      }
    }
  });
});
