import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Certificate, Logger, Sni } from "@tether/core";
import { selfSigned, type KeyPair } from "../../../../test/fixtures/pki/self-signed.ts";
import { buildServerCertificates, sniCandidates } from "./server-certificates.ts";

let dir: string;
let ec: KeyPair, ec2: KeyPair, rsa: KeyPair;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-server-certs-"));
  ec = selfSigned(dir, "ec", "ec");
  ec2 = selfSigned(dir, "ec2", "ec");
  rsa = selfSigned(dir, "rsa", "rsa");
});
after(() => rmSync(dir, { recursive: true, force: true }));

let ids = 0;
const certificate = (pair: KeyPair, alt?: KeyPair): Certificate => ({
  id: `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
  created_at: 0,
  updated_at: 0,
  tags: null,
  cert: pair.cert,
  key: pair.key,
  cert_alt: alt?.cert ?? null,
  key_alt: alt?.key ?? null,
});
const sni = (name: string, c: Certificate): Sni => ({ id: `sni-${name}`, created_at: 0, updated_at: 0, tags: null, name, certificate: { id: c.id } });

function recordingLog(): Logger & { warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  return { warnings, info: () => undefined, error: () => undefined, warn: (_m, fields) => void warnings.push(fields ?? {}) };
}

describe("sniCandidates (Kong's find_certificate order)", () => {
  it("tries the name, *.rest (three labels or more), first.* (two or more), then *", () => {
    assert.deepEqual(sniCandidates("a.example.test"), ["a.example.test", "*.example.test", "a.example.*", "*"]);
    assert.deepEqual(sniCandidates("example.test"), ["example.test", "example.*", "*"]);
    assert.deepEqual(sniCandidates("localhost"), ["localhost", "*"]);
    assert.deepEqual(sniCandidates("A.Example.TEST."), ["a.example.test", "*.example.test", "a.example.*", "*"]);
  });
});

describe("buildServerCertificates", () => {
  it("finds the context by exact name, then wildcards, then the catch-all; else none", () => {
    const [exact, wild, suffix, any] = [certificate(ec), certificate(ec2), certificate(rsa), certificate(ec)];
    const log = recordingLog();
    const noCatchAll = buildServerCertificates([exact, wild, suffix], [sni("a.example.test", exact), sni("*.example.test", wild), sni("api.*", suffix)], log);
    const a = noCatchAll.contextFor("a.example.test");
    const b = noCatchAll.contextFor("b.example.test");
    const api = noCatchAll.contextFor("api.elsewhere");
    assert.ok(a && b && api);
    assert.notEqual(a, b);
    assert.equal(noCatchAll.contextFor("B.EXAMPLE.TEST"), b);
    assert.equal(noCatchAll.contextFor("x.y.example.test"), undefined);
    assert.equal(noCatchAll.contextFor("unknown.test"), undefined);
    assert.equal(noCatchAll.size, 3);
    const withCatchAll = buildServerCertificates([exact, any], [sni("a.example.test", exact), sni("*", any)], log);
    assert.ok(withCatchAll.contextFor("unknown.test"));
    assert.deepEqual(log.warnings, []);
  });

  it("reuses contexts across snapshots while the PEM material is unchanged", () => {
    const c = certificate(ec);
    const first = buildServerCertificates([c], [sni("same.test", c)], recordingLog()).contextFor("same.test");
    const second = buildServerCertificates([c], [sni("same.test", c)], recordingLog()).contextFor("same.test");
    assert.equal(first, second);
    const changed = buildServerCertificates([{ ...c, cert: ec2.cert, key: ec2.key }], [sni("same.test", c)], recordingLog()).contextFor("same.test");
    assert.notEqual(changed, first);
  });

  it("chooses between cert and cert_alt by the client's signature algorithms", () => {
    const dual = certificate(ec, rsa);
    const served = buildServerCertificates([dual], [sni("dual.test", dual)], recordingLog());
    const primary = served.contextFor("dual.test");
    assert.equal(served.contextFor("dual.test", () => [0x0403, 0x0804]), primary);
    const alt = served.contextFor("dual.test", () => [0x0804, 0x0403]);
    assert.ok(alt);
    assert.notEqual(alt, primary);
    assert.equal(served.contextFor("dual.test", () => undefined), alt, "no signature_algorithms: RSA");
    assert.equal(served.contextFor("dual.test", () => { throw new Error("boom"); }), primary);
  });

  it("skips (and logs once, without key material) a certificate OpenSSL refuses", () => {
    const broken = certificate({ cert: ec.cert, key: rsa.key });
    const fallback = certificate(ec2);
    const log = recordingLog();
    const snis = [sni("broken.example.test", broken), sni("*.example.test", fallback)];
    const served = buildServerCertificates([broken, fallback], snis, log);
    assert.equal(served.contextFor("broken.example.test"), served.contextFor("other.example.test"), "the next candidate serves");
    buildServerCertificates([broken, fallback], snis, log);
    assert.equal(log.warnings.length, 1);
    assert.equal(log.warnings[0]!["certificate"], broken.id);
    assert.doesNotMatch(JSON.stringify(log.warnings), /PRIVATE KEY/);
  });
});
