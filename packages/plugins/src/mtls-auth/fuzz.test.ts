// Seeded mutation fuzz of mtls-auth's readers: certificates (leaf and intermediate), a CRL and OCSP
// answers made by openssl, bit-flipped, truncated, with corrupted and huge lengths, deeply nested,
// re-tagged, spliced. Nothing may escape as an exception or take over a second, and no mutation
// may be believed: a certificate that still verifies, or a CRL/OCSP answer read as a different one.
// The longer run, and the same run on the reader this replaced, is scripts/bench/cert-parsing.ts.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { createCorpus, verifierTargets, type Corpus } from "../../../../test/helpers/cert-fuzz-targets.ts";
import { fuzz } from "../../../../test/helpers/der-fuzz.ts";
import { certificateNames } from "./names.ts";
import { checkCrl, parseCrl } from "./crl.ts";
import { evaluateOcspResponse } from "./ocsp.ts";
import { parseCertificate } from "./certificate.ts";
import { verifyChain } from "./verify-chain.ts";

const SEED = 20261202;
const PER_TARGET = 800;

describe("mtls-auth readers under mutation", () => {
  let corpus: Corpus;
  before(() => {
    corpus = createCorpus();
  });
  after(() => fs.rmSync(corpus.dir, { recursive: true, force: true }));

  it(`${PER_TARGET} mutations of each input: no crash, no hang, nothing mutated believed`, async () => {
    const modules = { parseCertificate, verifyChain, certificateNames, parseCrl, checkCrl, evaluateOcspResponse };
    const tallies = await fuzz(verifierTargets(modules, corpus), SEED, PER_TARGET);
    for (const [family, tally] of Object.entries(tallies)) {
      assert.ok(tally.cases > PER_TARGET / 2, `${family}: ${tally.cases} cases`);
      assert.equal(tally.crashes, 0, `${family} crashes: ${tally.examples.join("; ")}`);
      assert.equal(tally.hangs, 0, `${family} hangs: ${tally.examples.join("; ")}`);
      assert.equal(tally.lies, 0, `${family} lies believed: ${tally.examples.join("; ")}`);
    }
    // A certificate is believed only as itself; a CRL has no bytes outside its signature that we read.
    assert.equal(tallies.certificate.believed, 0, tallies.certificate.examples.join("; "));
    assert.equal(tallies.crl.believed, 0, tallies.crl.examples.join("; "));
  });
});
