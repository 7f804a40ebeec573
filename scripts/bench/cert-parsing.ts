// `node --import tsx scripts/bench/cert-parsing.ts [mutations per input, default 3000]`: mtls-auth's
// certificate/CRL/OCSP reading, side by side, for (1) the home-made DER reader it had (loaded from
// git: the last commit that still holds mtls-auth/der.ts), (2) pkijs + asn1js (what mtls-auth uses
// now) and (3) @peculiar/x509 (behind the same module API, certificates and CRLs only: it has no OCSP).
// Prints two tables: the seeded fuzz (test/helpers/der-fuzz.ts, the long version of
// mtls-auth/fuzz.test.ts) and the cost of one verification.
import { execFileSync } from "node:child_process";
import { X509Certificate, verify } from "node:crypto";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { createCorpus, verifierTargets, type Corpus, type VerifierModules } from "../../test/helpers/cert-fuzz-targets.ts";
import { fuzz, type Tally } from "../../test/helpers/der-fuzz.ts";
import { parseCertificate } from "../../packages/plugins/src/mtls-auth/certificate.ts";
import { checkCrl, parseCrl } from "../../packages/plugins/src/mtls-auth/crl.ts";
import { certificateNames } from "../../packages/plugins/src/mtls-auth/names.ts";
import { evaluateOcspResponse } from "../../packages/plugins/src/mtls-auth/ocsp.ts";
import { verifyChain } from "../../packages/plugins/src/mtls-auth/verify-chain.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MTLS = "packages/plugins/src/mtls-auth";
const HOME_MADE_FILES = ["der", "certificate", "crl", "ocsp", "signature", "names", "verify-chain"];
const SEED = 20261202;
const perInput = Number(process.argv[2] ?? 3000);

// ---- the implementations ----

/** The home-made reader's modules as last committed, copied to a temporary folder and imported. */
async function homeMade(): Promise<{ modules: VerifierModules<unknown, unknown>; commit: string }> {
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  let commit = git("rev-parse", "HEAD");
  try {
    git("cat-file", "-e", `${commit}:${MTLS}/der.ts`);
  } catch {
    // The commit that deleted it; the one before still has the whole reader.
    commit = git("rev-parse", `${git("rev-list", "-n", "1", "HEAD", "--", `${MTLS}/der.ts`)}^`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tether-der-reader-"));
  for (const file of HOME_MADE_FILES) fs.writeFileSync(path.join(dir, `${file}.ts`), git("show", `${commit}:${MTLS}/${file}.ts`));
  const load = (file: string): Promise<Record<string, unknown>> => import(path.join(dir, `${file}.ts`));
  const [certificate, chain, names, crl, ocsp] = await Promise.all(["certificate", "verify-chain", "names", "crl", "ocsp"].map(load));
  const modules = { ...certificate, ...chain, ...names, ...crl, ...ocsp } as unknown as VerifierModules<unknown, unknown>;
  return { modules, commit: commit.slice(0, 7) };
}

/**
 * @peculiar/x509 behind mtls-auth's module API. Its DI container (tsyringe) refuses to load
 * without a Reflect metadata polyfill, which is not installed: this minimal one stands in. It has
 * no OCSP. Signatures are checked with node:crypto, as in the other two (its own verify is async
 * WebCrypto); the CRL's tbs bytes come from its ASN.1 layer, @peculiar/asn1-x509.
 */
async function peculiarModules(): Promise<VerifierModules<unknown, unknown> | undefined> {
  const metadata = new WeakMap<object, Map<unknown, unknown>>();
  const getMetadata = (key: unknown, target: object): unknown => metadata.get(target)?.get(key);
  Object.assign(Reflect, {
    defineMetadata: (key: unknown, value: unknown, target: object) => {
      const map = metadata.get(target) ?? new Map<unknown, unknown>();
      metadata.set(target, map.set(key, value));
    },
    getMetadata,
    getOwnMetadata: getMetadata,
    hasMetadata: (key: unknown, target: object) => metadata.get(target)?.has(key) ?? false,
  });
  let libraries;
  try {
    libraries = await Promise.all([import("@peculiar/x509"), import("@peculiar/asn1-schema"), import("@peculiar/asn1-x509")]);
  } catch {
    return undefined; // a root devDependency only for this comparison; without it the other two are measured
  }
  const [x509, { AsnConvert }, { CertificateList }] = libraries;
  type Cert = { der: Buffer; node: X509Certificate; lib: InstanceType<typeof x509.X509Certificate> };
  type Crl = { lib: InstanceType<typeof x509.X509Crl>; tbs: Buffer; signature: Buffer; hash: string };
  const HANDLED = new Set(["2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.17", "2.5.29.14", "2.5.29.35", "2.5.29.31", "1.3.6.1.5.5.7.1.1", "2.5.29.32", "2.5.29.36", "2.5.29.54"]);
  const hashOf = (algorithm: { hash?: { name: string } }): string => (algorithm.hash?.name ?? "").replace("-", "").toLowerCase();
  const pathOk = (path: Cert[], now: number): boolean =>
    path.every((c, i) => {
      if (now < c.lib.notBefore.getTime() || now > c.lib.notAfter.getTime()) return false;
      if (c.lib.extensions.some((e) => e.type === "2.5.29.30" || (e.critical && !HANDLED.has(e.type)))) return false;
      if (i === 0) return true;
      const bc = c.lib.getExtension(x509.BasicConstraintsExtension);
      return !!bc?.ca && (bc.pathLength === undefined || i - 1 <= bc.pathLength);
    }) && (path[0]!.lib.getExtension(x509.ExtendedKeyUsageExtension)?.usages.some((u) => u === "1.3.6.1.5.5.7.3.2" || u === "2.5.29.37.0") ?? true);
  const issued = (parent: Cert, child: Cert): boolean => child.node.checkIssued(parent.node) && child.node.verify(parent.node.publicKey);
  return {
    parseCertificate: (der: Buffer): Cert => ({ der, node: new X509Certificate(der), lib: new x509.X509Certificate(der) }),
    verifyChain(leaf: Cert, presented: readonly Cert[], anchors: readonly { id: string; cert: Cert }[], options: { now: number }) {
      // Paths of up to three: leaf, one sent intermediate, a self-signed anchor (what the corpus holds).
      for (const { cert: anchor } of anchors) {
        if (!issued(anchor, anchor)) continue;
        if (issued(anchor, leaf)) return { ok: pathOk([leaf, anchor], options.now) };
        for (const mid of presented) if (issued(mid, leaf) && issued(anchor, mid) && pathOk([leaf, mid, anchor], options.now)) return { ok: true };
      }
      return { ok: false };
    },
    certificateNames: (cert: Cert) => ({
      names: [...(cert.lib.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value) ?? []), ...cert.lib.subjectName.getField("CN")],
    }),
    parseCrl(body: Buffer): Crl {
      const lib = new x509.X509Crl(body);
      const asn = AsnConvert.parse(body, CertificateList);
      if (lib.extensions.some((e) => ["2.5.29.27", "2.5.29.28", "2.5.29.29"].includes(e.type) || (e.critical && !["2.5.29.20", "2.5.29.35", "2.5.29.46"].includes(e.type)))) {
        throw new Error("unsupported CRL");
      }
      return { lib, tbs: Buffer.from(AsnConvert.serialize(asn.tbsCertList)), signature: Buffer.from(asn.signature), hash: hashOf(lib.signatureAlgorithm) };
    },
    checkCrl(crl: Crl, leaf: Cert, issuer: Cert, now: number) {
      if (crl.lib.issuerName.toString() !== leaf.lib.issuerName.toString()) throw new Error("CRL is not from the certificate's issuer");
      if (!verify(crl.hash, crl.tbs, issuer.node.publicKey, crl.signature)) throw new Error("CRL signature does not verify");
      if (crl.lib.thisUpdate.getTime() > now || (crl.lib.nextUpdate && crl.lib.nextUpdate.getTime() < now)) throw new Error("CRL not current");
      const serial = leaf.lib.serialNumber.toLowerCase().replace(/^(00)+/, "");
      return crl.lib.entries.some((e) => e.serialNumber.toLowerCase().replace(/^(00)+/, "") === serial) ? "revoked" : "good";
    },
    evaluateOcspResponse(): { status: string } {
      throw new Error("@peculiar/x509 has no OCSP");
    },
  } as unknown as VerifierModules<unknown, unknown>;
}

// ---- cost ----

interface Cost {
  /** parse leaf + verifyChain against the (pre-parsed) CA + names + CRL lookup in a pre-parsed CRL. */
  verification: number;
  /** A further request on a kept-alive connection: the leaf is parsed already, revocation cached. */
  request: number;
  certificate: number;
  crl: number;
  ocsp: number | undefined;
}

function microseconds(run: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.min(200, iterations); i++) run();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) run();
  return ((performance.now() - t0) / iterations) * 1000;
}

function cost<P, C>(m: VerifierModules<P, C>, corpus: Corpus, iterations: number, ocsp: boolean): Cost {
  const ca = m.parseCertificate(corpus.ca);
  const anchors = [{ id: "ca", cert: ca }];
  const crl = m.parseCrl(corpus.crl);
  const ocspLeaf = m.parseCertificate(corpus.ocspGood.leaf);
  const options = { allowPartialChain: false, now: corpus.now };
  const parsedLeaf = m.parseCertificate(corpus.crlGood);
  return {
    request: microseconds(() => m.verifyChain(parsedLeaf, [], anchors, options).ok && m.certificateNames(parsedLeaf), iterations),
    verification: microseconds(() => {
      const leaf = m.parseCertificate(corpus.crlGood);
      if (!m.verifyChain(leaf, [], anchors, options).ok) throw new Error("does not verify");
      m.certificateNames(leaf);
      return m.checkCrl(crl, leaf, ca, corpus.now);
    }, iterations),
    certificate: microseconds(() => m.parseCertificate(corpus.leaf), iterations),
    crl: microseconds(() => m.parseCrl(corpus.crl), iterations),
    ocsp: ocsp ? microseconds(() => m.evaluateOcspResponse(corpus.ocspGood.response, ocspLeaf, ca, corpus.now), iterations) : undefined,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- run ----

const corpus = createCorpus();
const home = await homeMade();
const current = { parseCertificate, verifyChain, certificateNames, parseCrl, checkCrl, evaluateOcspResponse } as unknown as VerifierModules<unknown, unknown>;
const peculiar = await peculiarModules();
if (!peculiar) console.log("@peculiar/x509 is not installed: measuring the other two only.\n");
const implementations = [
  { name: `home-made DER reader (${home.commit})`, modules: home.modules, ocsp: true },
  { name: "pkijs 4 + asn1js 4 (now)", modules: current, ocsp: true },
  ...(peculiar ? [{ name: "@peculiar/x509 2", modules: peculiar, ocsp: false }] : []),
];

console.log(`Seeded fuzz: seed ${SEED}, ${perInput} mutations of each input (leaf, intermediate, CRL, 2 OCSP answers)\n`);
console.log("| implementation | input | cases | crashes | hangs > 1 s | believed | believed, other answer | refused by TypeError/RangeError | slowest case (ms) |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
const examples: string[] = [];
const believedKinds: string[] = [];
const row = (name: string, family: string, t: Tally | undefined): void => {
  if (!t || t.cases === 0) console.log(`| ${name} | ${family} | — (not supported) | | | | | | |`);
  else console.log(`| ${name} | ${family} | ${t.cases} | ${t.crashes} | ${t.hangs} | ${t.believed} | ${t.lies} | ${t.untypedRefusals} | ${t.slowestMs.toFixed(1)} |`);
  if (t?.believed) believedKinds.push(`${name}, ${family}: ${Object.entries(t.believedKinds).map(([kind, n]) => `${kind} ${n}`).join(", ")}`);
};
for (const impl of implementations) {
  const targets = verifierTargets(impl.modules, corpus).filter((t) => impl.ocsp || t.family !== "ocsp");
  const tallies = await fuzz(targets, SEED, perInput);
  for (const [family, tally] of Object.entries(tallies)) {
    row(impl.name, family, tally);
    examples.push(...tally.examples.map((e) => `${impl.name}: ${e}`));
  }
}
if (believedKinds.length) console.log(`\nbelieved, by mutation:\n${believedKinds.map((b) => `- ${b}`).join("\n")}`);
if (examples.length) console.log(`\nexamples:\n${examples.map((e) => `- ${e}`).join("\n")}`);

const ROUNDS = 5;
const ITERATIONS = 300;
const costs = implementations.map(() => [] as Cost[]);
// Interleaved rounds, so a busy moment of the machine hits every implementation alike.
for (let r = 0; r < ROUNDS; r++) implementations.forEach((impl, i) => costs[i]!.push(cost(impl.modules, corpus, ITERATIONS, impl.ocsp)));
console.log(`\nCost, µs (median of ${ROUNDS} interleaved rounds of ${ITERATIONS}; each includes OpenSSL's own parse in X509Certificate and its signature checks)\n`);
console.log("| implementation | one verification: parse leaf + chain to the CA + names + CRL lookup | next request on the connection: chain + names | parse certificate | parse CRL | read + check OCSP answer |");
console.log("|---|---:|---:|---:|---:|---:|");
implementations.forEach((impl, i) => {
  const m = (pick: (c: Cost) => number | undefined): string => {
    const values = costs[i]!.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? median(values).toFixed(0) : "—";
  };
  console.log(`| ${impl.name} | ${m((c) => c.verification)} | ${m((c) => c.request)} | ${m((c) => c.certificate)} | ${m((c) => c.crl)} | ${m((c) => c.ocsp)} |`);
});

/** CPU µs of one full mutual-TLS handshake on 127.0.0.1 (both ends in this process: the price of a new connection). */
async function handshakeCpu(count: number): Promise<number> {
  const file = (name: string): Buffer => fs.readFileSync(path.join(corpus.dir, name));
  const server = tls.createServer({ cert: file("server.crt"), key: file("server.key"), ca: file("ca.crt"), requestCert: true }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const once = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: "127.0.0.1", servername: "localhost", ca: file("ca.crt"), cert: file("alice.crt"), key: file("alice.key"), session: undefined });
      socket.on("secureConnect", () => socket.end());
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
  for (let i = 0; i < 20; i++) await once();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await once();
  const used = process.cpuUsage(before);
  server.close();
  return (used.user + used.system) / count;
}

// What every implementation shares (Node/OpenSSL), and a new connection's handshake, for scale.
const leaf = new X509Certificate(corpus.leaf);
const caKey = new X509Certificate(corpus.ca).publicKey;
console.log(`\nfor scale: X509Certificate parse ${microseconds(() => new X509Certificate(corpus.leaf), ITERATIONS).toFixed(0)} µs, one ECDSA P-256 certificate signature check ${microseconds(() => leaf.verify(caKey), ITERATIONS).toFixed(0)} µs, one mutual-TLS handshake (both ends, CPU) ${(await handshakeCpu(200)).toFixed(0)} µs`);
fs.rmSync(corpus.dir, { recursive: true, force: true });
