// The inputs mtls-auth's fuzz runs on (certificates, a CRL and OCSP answers made by openssl), and
// the targets that feed their mutations through a verifier with mtls-auth's module API: the
// library-based modules in the tests, and in scripts/bench/cert-parsing.ts also the home-made
// reader they replaced.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createMtlsPki, createPki, type Pem } from "../fixtures/pki/index.ts";
import type { Target, Verdict } from "./der-fuzz.ts";

export interface Corpus {
  readonly dir: string;
  readonly ca: Buffer;
  readonly leaf: Buffer;
  /** A leaf under `intermediate`, which is under `ca`. */
  readonly chainedLeaf: Buffer;
  readonly intermediate: Buffer;
  readonly crl: Buffer;
  readonly crlGood: Buffer;
  readonly crlRevoked: Buffer;
  readonly ocspGood: { readonly leaf: Buffer; readonly response: Buffer };
  readonly ocspRevoked: { readonly leaf: Buffer; readonly response: Buffer };
  /** After every certificate's notBefore, before any answer's nextUpdate. */
  readonly now: number;
}

const der = (pem: Pem): Buffer => new X509Certificate(pem.cert).raw;

export function createCorpus(): Corpus {
  const pki = createPki();
  const m = createMtlsPki(pki, { crlUrl: "http://127.0.0.1:9/ca.crl", deadCrlUrl: "http://127.0.0.1:9/dead.crl", ocspUrl: "http://127.0.0.1:9/ocsp" });
  const ocsp = (leaf: Pem) => {
    const reqPath = path.join(pki.dir, "fuzz-req.der");
    execFileSync("openssl", ["ocsp", "-issuer", pki.ca.certPath, "-cert", leaf.certPath, "-no_nonce", "-reqout", reqPath], { stdio: "ignore" });
    return { leaf: der(leaf), response: m.answerOcsp(fs.readFileSync(reqPath)) };
  };
  return {
    dir: pki.dir,
    ca: der(pki.ca),
    leaf: der(pki.clients.alice),
    chainedLeaf: der(m.chained),
    intermediate: der(m.intermediate),
    crl: m.crl.der,
    crlGood: der(m.crl.good),
    crlRevoked: der(m.crl.revoked),
    ocspGood: ocsp(m.ocsp.good),
    ocspRevoked: ocsp(m.ocsp.revoked),
    now: Date.now() + 1000,
  };
}

/** mtls-auth's verification API, whatever reads the DER underneath. */
export interface VerifierModules<P, C> {
  parseCertificate(der: Buffer): P;
  verifyChain(leaf: P, presented: readonly P[], anchors: readonly { id: string; cert: P }[], options: { allowPartialChain: boolean; now: number }): { ok: boolean };
  certificateNames(cert: P): { names: readonly string[] };
  parseCrl(body: Buffer): C;
  checkCrl(crl: C, leaf: P, issuer: P, now: number): string;
  evaluateOcspResponse(body: Buffer, leaf: P, issuer: P, now: number): { status: string };
}

const attempt = <T>(step: () => T): T | { error: unknown } => {
  try {
    return step();
  } catch (error) {
    return { error };
  }
};
const failed = (value: unknown): value is { error: unknown } => typeof value === "object" && value !== null && "error" in value && Object.keys(value).length === 1;

export function verifierTargets<P, C>(modules: VerifierModules<P, C>, corpus: Corpus): Target[] {
  const ca = modules.parseCertificate(corpus.ca);
  const anchors = [{ id: "ca", cert: ca }];
  const options = { allowPartialChain: false, now: corpus.now };
  // Parsing may throw (an unreadable certificate is refused); what follows must not (it would be a 500).
  const trusted = (leaf: P, presented: readonly P[]): Verdict => {
    const chain = attempt(() => modules.verifyChain(leaf, presented, anchors, options));
    if (failed(chain)) return { kind: "crash", error: chain.error };
    if (!chain.ok) return { kind: "refused", error: undefined };
    const names = attempt(() => modules.certificateNames(leaf));
    return failed(names) ? { kind: "crash", error: names.error } : { kind: "believed", answer: "trusted" };
  };
  const chainedLeaf = modules.parseCertificate(corpus.chainedLeaf);
  const ocsp = (answer: { leaf: Buffer; response: Buffer }) => {
    const leaf = modules.parseCertificate(answer.leaf);
    return (bytes: Buffer): Verdict => {
      const status = attempt(() => modules.evaluateOcspResponse(bytes, leaf, ca, corpus.now).status);
      return failed(status) ? { kind: "refused", error: status.error } : { kind: "believed", answer: status };
    };
  };
  const good = modules.parseCertificate(corpus.crlGood);
  const revoked = modules.parseCertificate(corpus.crlRevoked);
  return [
    {
      family: "certificate",
      label: "leaf",
      original: corpus.leaf,
      check: (bytes) => {
        const leaf = attempt(() => modules.parseCertificate(bytes));
        return failed(leaf) ? { kind: "refused", error: leaf.error } : trusted(leaf, []);
      },
    },
    {
      family: "certificate",
      label: "intermediate",
      original: corpus.intermediate,
      check: (bytes) => {
        // As the handler does: an intermediate that cannot be read is left out of the path search.
        const intermediate = attempt(() => modules.parseCertificate(bytes));
        return trusted(chainedLeaf, failed(intermediate) ? [] : [intermediate]);
      },
    },
    {
      family: "crl",
      label: "crl",
      original: corpus.crl,
      check: (bytes) => {
        const answer = attempt(() => {
          const crl = modules.parseCrl(bytes);
          return `${modules.checkCrl(crl, good, ca, corpus.now)}/${modules.checkCrl(crl, revoked, ca, corpus.now)}`;
        });
        return failed(answer) ? { kind: "refused", error: answer.error } : { kind: "believed", answer };
      },
    },
    { family: "ocsp", label: "ocsp-good", original: corpus.ocspGood.response, check: ocsp(corpus.ocspGood) },
    { family: "ocsp", label: "ocsp-revoked", original: corpus.ocspRevoked.response, check: ocsp(corpus.ocspRevoked) },
  ];
}
