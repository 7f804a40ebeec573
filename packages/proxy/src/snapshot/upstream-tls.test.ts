import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CaCertificate, Certificate, Service } from "@tether/core";
import { selfSigned, type KeyPair } from "../../../../test/fixtures/pki/self-signed.ts";
import { nodeTrustOf, upstreamTlsOf } from "./upstream-tls.ts";

let dir: string;
let first: KeyPair, second: KeyPair;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-upstream-tls-"));
  first = selfSigned(dir, "first", "ec");
  second = selfSigned(dir, "second", "ec");
});
after(() => rmSync(dir, { recursive: true, force: true }));

const CERT_ID = "00000000-0000-4000-8000-000000000001";
const CA_ID = "00000000-0000-4000-8000-000000000002";
const base = { created_at: 0, updated_at: 0, tags: null };

function service(fields: Partial<Service>): Service {
  return {
    ...base, id: "00000000-0000-4000-8000-0000000000aa", name: null, protocol: "https", host: "upstream.test", port: 443, path: null,
    retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000,
    client_certificate: null, tls_verify: null, tls_verify_depth: null, ca_certificates: null, enabled: true, ...fields,
  };
}

const certificateOf = (pair: KeyPair) => (id: string): Certificate | undefined =>
  id === CERT_ID ? { ...base, id, cert: pair.cert, key: pair.key, cert_alt: null, key_alt: null } : undefined;
const caOf = (pair: KeyPair) => (id: string): CaCertificate | undefined => (id === CA_ID ? { ...base, id, cert: pair.cert, cert_digest: "" } : undefined);

describe("upstreamTlsOf", () => {
  it("sets nothing for a service with no client certificate and tls_verify null or false (Kong's default: no verification)", () => {
    for (const tls_verify of [null, false]) assert.equal(upstreamTlsOf(service({ tls_verify, ca_certificates: [CA_ID] }), certificateOf(first), caOf(first)), undefined);
  });

  it("presents the client certificate, verifying only with tls_verify, against the listed CAs", () => {
    const presented = upstreamTlsOf(service({ client_certificate: { id: CERT_ID } }), certificateOf(first), caOf(first))!;
    assert.deepEqual(presented.options, { rejectUnauthorized: false, cert: first.cert, key: first.key });
    const verified = upstreamTlsOf(service({ tls_verify: true, ca_certificates: [CA_ID] }), certificateOf(first), caOf(second))!;
    assert.equal(verified.options.rejectUnauthorized, true);
    assert.deepEqual(verified.options.ca, [second.cert]);
    // No CAs listed: the node's default trust (no `ca` option).
    assert.equal(upstreamTlsOf(service({ tls_verify: true }), certificateOf(first), caOf(second))!.options.ca, undefined);
  });

  it("verifies against the node's trust (system CAs plus trusted_certificate) when no ca_certificates are listed", () => {
    const nodeTrust = nodeTrustOf([first.cert])!;
    assert.equal(nodeTrust.at(-1), first.cert);
    assert.ok(nodeTrust.length > 1, "the system CAs stay trusted");
    assert.deepEqual(upstreamTlsOf(service({ tls_verify: true }), certificateOf(first), caOf(second), nodeTrust)!.options.ca, nodeTrust);
    // Listed CAs replace it, and without tls_verify there is nothing to trust.
    assert.deepEqual(upstreamTlsOf(service({ tls_verify: true, ca_certificates: [CA_ID] }), certificateOf(first), caOf(second), nodeTrust)!.options.ca, [second.cert]);
    assert.equal(upstreamTlsOf(service({ client_certificate: { id: CERT_ID } }), certificateOf(first), caOf(second), nodeTrust)!.options.ca, undefined);
    assert.equal(nodeTrustOf([]), undefined);
  });

  it("changes identity when a certificate's content changes, so rotated material gets new connections", () => {
    const using = (pair: KeyPair) => upstreamTlsOf(service({ client_certificate: { id: CERT_ID } }), certificateOf(pair), caOf(first))!.id;
    assert.equal(using(first), using(first));
    assert.notEqual(using(first), using(second));
  });

  it("leaves non-https services alone", () => {
    assert.equal(upstreamTlsOf(service({ protocol: "grpcs", client_certificate: { id: CERT_ID } }), certificateOf(first), caOf(first)), undefined);
  });
});
