// The pure pieces of mtls-auth against certificates, CRLs and OCSP answers made by openssl.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createMtlsPki, createPki, type MtlsPki, type Pem, type TestPki } from "../../../../test/fixtures/pki/index.ts";
import * as asn1js from "asn1js";
import { parseCertificate, type ParsedCertificate } from "./certificate.ts";
import { checkCrl, parseCrl } from "./crl.ts";
import { certificateNames, formatDistinguishedName } from "./names.ts";
import { buildOcspRequest, evaluateOcspResponse } from "./ocsp.ts";
import type { TrustAnchor } from "./trust-store.ts";
import { verifyChain } from "./verify-chain.ts";

const parse = (pem: Pem | string): ParsedCertificate => parseCertificate(new X509Certificate(typeof pem === "string" ? pem : pem.cert).raw);

describe("mtls-auth verification pieces", () => {
  let pki: TestPki;
  let m: MtlsPki;
  let ca: ParsedCertificate;
  let anchors: TrustAnchor[];
  let now: number; // after the certificates exist: openssl stamps notBefore with the current second

  before(() => {
    pki = createPki();
    m = createMtlsPki(pki, { crlUrl: "http://127.0.0.1:9/ca.crl", deadCrlUrl: "http://127.0.0.1:9/dead.crl", ocspUrl: "http://127.0.0.1:9/ocsp" });
    ca = parse(pki.ca);
    anchors = [{ id: "ca", cert: ca }];
    now = Date.now();
  });
  after(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  describe("reading", () => {
    it("refuses a certificate with bytes after it, truncated, or with a length past its end", () => {
      const der = new X509Certificate(pki.clients.alice.cert).raw;
      // OpenSSL alone would read the first: it ignores what follows the certificate.
      assert.throws(() => parseCertificate(Buffer.concat([der, Buffer.from([0])])), /trailing bytes/);
      assert.throws(() => parseCertificate(der.subarray(0, der.length - 1)));
      assert.throws(() => parseCrl(Buffer.from([0x30, 0x05, 0x01])));
    });

    it("refuses a CRL whose signature BIT STRING claims unused bits (an unsigned byte changed)", () => {
      const der = Buffer.from(m.crl.der);
      // The signature is the last element: 0x03 <len> <unused bits> …; find its unused-bits octet.
      const at = der.lastIndexOf(0x03, der.length - 64);
      der[at + 2] = 1;
      assert.throws(() => checkCrl(parseCrl(der), parse(m.crl.good), ca, now), /unused bits/);
    });
  });

  describe("names", () => {
    const STRINGS = { printable: asn1js.PrintableString, utf8: asn1js.Utf8String } as const;
    const name = (...rdns: [string, keyof typeof STRINGS, string][]) =>
      Buffer.from(
        new asn1js.Sequence({
          value: rdns.map(([oid, type, value]) => new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), new STRINGS[type]({ value })] })] })),
        }).toBER(),
      );

    it("formats the subject as RFC 2253, last RDN first (nginx's $ssl_client_s_dn)", () => {
      assert.equal(formatDistinguishedName(name(["2.5.4.6", "printable", "US"], ["2.5.4.10", "utf8", "KONG"], ["2.5.4.3", "utf8", "kongclient"])), "CN=kongclient,O=KONG,C=US");
    });

    it("escapes as OpenSSL's XN_FLAG_RFC2253 does", () => {
      assert.equal(formatDistinguishedName(name(["2.5.4.3", "utf8", 'a,b+c"d\\e<f>g;h'])), 'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
      assert.equal(formatDistinguishedName(name(["2.5.4.3", "utf8", "#lead "])), "CN=\\#lead\\ ");
      assert.equal(formatDistinguishedName(name(["2.5.4.3", "utf8", "é"])), "CN=\\C3\\A9");
      assert.equal(formatDistinguishedName(name(["1.2.3.4", "utf8", "x"])), "1.2.3.4=x");
    });

    it("lists SAN values in certificate order, then the CN", () => {
      const names = certificateNames(parse(m.sanRich));
      assert.deepEqual(names.names, ["dave.tether.test", "spiffe://tether.test/dave", "10.0.0.7", "dave@tether.test", "dave"]);
      assert.equal(names.subjectDn, "CN=dave,O=Tether Test");
      assert.equal(certificateNames(parse(m.noCn)).commonName, undefined);
    });
  });

  describe("verifyChain", () => {
    it("anchors a leaf of the CA, and reports which CA anchored", () => {
      const result = verifyChain(parse(pki.clients.alice), [], anchors, { allowPartialChain: false, now });
      assert.ok(result.ok);
      assert.equal(result.anchor.id, "ca");
      assert.equal(result.path.length, 2);
    });

    it("checks validity dates of every certificate on the path", () => {
      const alice = parse(pki.clients.alice);
      assert.deepEqual(verifyChain(alice, [], anchors, { allowPartialChain: false, now: Date.UTC(2001, 0, 1) }), { ok: false, reason: "certificate is not yet valid" });
      assert.deepEqual(verifyChain(alice, [], anchors, { allowPartialChain: false, now: now + 2 * 365 * 86_400_000 }), { ok: false, reason: "certificate has expired" });
      assert.deepEqual(verifyChain(parse(pki.expiredClient), [], anchors, { allowPartialChain: false, now }), { ok: false, reason: "certificate has expired" });
    });

    it("refuses a leaf whose extendedKeyUsage does not allow client authentication", () => {
      // The server certificate: same CA, EKU serverAuth only.
      assert.deepEqual(verifyChain(parse(pki.server), [], anchors, { allowPartialChain: false, now }), { ok: false, reason: "unsupported certificate purpose" });
    });

    it("a sent certificate that did not issue the leaf does not help it chain", () => {
      const result = verifyChain(parse(pki.clients.mallory), [parse(pki.clients.bob)], anchors, { allowPartialChain: true, now });
      assert.equal(result.ok, false);
    });

    it("builds through a sent intermediate; partial chains only with the flag", () => {
      const carol = parse(m.chained);
      const intermediate = parse(m.intermediate);
      const full = verifyChain(carol, [intermediate], anchors, { allowPartialChain: false, now });
      assert.ok(full.ok);
      assert.equal(full.path.length, 3);
      assert.equal(verifyChain(carol, [], anchors, { allowPartialChain: false, now }).ok, false);
      const intermediateOnly = [{ id: "int", cert: intermediate }];
      assert.equal(verifyChain(carol, [intermediate], intermediateOnly, { allowPartialChain: false, now }).ok, false);
      const partial = verifyChain(carol, [], intermediateOnly, { allowPartialChain: true, now });
      assert.ok(partial.ok);
      assert.equal(partial.anchor.id, "int");
      // With both configured and the flag on, the first trusted certificate (the intermediate) anchors.
      const both = verifyChain(carol, [], [...anchors, ...intermediateOnly], { allowPartialChain: true, now });
      assert.ok(both.ok);
      assert.equal(both.anchor.id, "int");
    });

    it("honours pathLenConstraint and CA:FALSE", () => {
      // A CA with pathlen:0 issues an intermediate, which issues a leaf: one CA too many below it.
      const dir = pki.dir;
      const cnf = path.join(dir, "pathlen.cnf");
      fs.writeFileSync(cnf, [
        "[ req ]", "distinguished_name = dn", "prompt = no", "[ dn ]",
        "[ root ]", "basicConstraints = critical, CA:TRUE, pathlen:0", "keyUsage = critical, keyCertSign, cRLSign",
        "[ sub ]", "basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, cRLSign",
        "[ leaf ]", "basicConstraints = critical, CA:FALSE", "",
      ].join("\n"));
      const make = (name: string, ext: string, issuer?: string) => {
        execFileSync("openssl", ["req", "-config", cnf, "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${name}`, "-days", "30", "-extensions", ext,
          ...(issuer ? ["-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`] : [])], { cwd: dir, stdio: "ignore" });
        return parse(fs.readFileSync(path.join(dir, `${name}.crt`), "utf8"));
      };
      const root = make("pl-root", "root");
      const sub = make("pl-sub", "sub", "pl-root");
      const leaf = make("pl-leaf", "leaf", "pl-sub");
      const notCa = make("pl-not-ca", "leaf", "pl-root");
      const victim = make("pl-victim", "leaf", "pl-not-ca");
      const now = Date.now(); // these were issued after the suite's `now`
      assert.deepEqual(verifyChain(leaf, [sub], [{ id: "r", cert: root }], { allowPartialChain: false, now }), { ok: false, reason: "path length constraint exceeded" });
      // A CA:FALSE certificate (no keyUsage, so OpenSSL's issuer check alone would pass) that
      // signed another certificate is not an issuer.
      assert.deepEqual(verifyChain(victim, [notCa], [{ id: "r", cert: root }], { allowPartialChain: false, now }), { ok: false, reason: "invalid CA certificate" });
    });
  });

  describe("CRL", () => {
    it("lists the revoked serial and verifies under the issuer", () => {
      const crl = parseCrl(m.crl.der);
      assert.equal(checkCrl(crl, parse(m.crl.revoked), ca, now), "revoked");
      assert.equal(checkCrl(crl, parse(m.crl.good), ca, now), "good");
    });

    it("reads PEM too", () => {
      const pem = `-----BEGIN X509 CRL-----\n${m.crl.der.toString("base64")}\n-----END X509 CRL-----\n`;
      assert.equal(checkCrl(parseCrl(Buffer.from(pem)), parse(m.crl.revoked), ca, now), "revoked");
    });

    it("cannot answer when expired, tampered with, or not from the issuer", () => {
      const crl = parseCrl(m.crl.der);
      assert.throws(() => checkCrl(crl, parse(m.crl.good), ca, now + 3 * 86_400_000), /expired/);
      assert.throws(() => checkCrl(crl, parse(m.crl.good), parse(pki.otherCa), now), /signature/);
      assert.throws(() => checkCrl(crl, parse(pki.clients.mallory), parse(pki.otherCa), now), /issuer/);
      const tampered = Buffer.from(m.crl.der);
      tampered[tampered.length - 5]! ^= 0xff;
      assert.throws(() => checkCrl(parseCrl(tampered), parse(m.crl.good), ca, now));
    });
  });

  describe("OCSP", () => {
    it("builds a request openssl reads, and reads openssl's answers", () => {
      const good = parse(m.ocsp.good);
      const revoked = parse(m.ocsp.revoked);
      const request = buildOcspRequest(good, ca);
      const reqPath = path.join(pki.dir, "unit-req.der");
      fs.writeFileSync(reqPath, request);
      const text = execFileSync("openssl", ["ocsp", "-reqin", reqPath, "-req_text"]).toString();
      assert.match(text, new RegExp(`Serial Number: ${good.serial}`, "i"));
      assert.deepEqual(evaluateOcspResponse(m.answerOcsp(request), good, ca, now).status, "good");
      assert.deepEqual(evaluateOcspResponse(m.answerOcsp(buildOcspRequest(revoked, ca)), revoked, ca, now).status, "revoked");
    });

    it("refuses an answer about another certificate, or not signed by the issuer", () => {
      const good = parse(m.ocsp.good);
      const answer = m.answerOcsp(buildOcspRequest(good, ca));
      assert.throws(() => evaluateOcspResponse(answer, parse(m.ocsp.revoked), ca, now), /not about this certificate/);
      assert.throws(() => evaluateOcspResponse(answer, good, parse(pki.otherCa), now), /not signed/);
      assert.throws(() => evaluateOcspResponse(answer, good, ca, now + 3 * 86_400_000), /expired/);
    });

    it("treats 'unknown' as no answer", () => {
      // alice was issued with `req -x509 -CA`, not through `openssl ca`: the responder does not know her.
      const alice = parse(pki.clients.alice);
      assert.throws(() => evaluateOcspResponse(m.answerOcsp(buildOcspRequest(alice, ca)), alice, ca, now), /does not know/);
    });
  });
});
