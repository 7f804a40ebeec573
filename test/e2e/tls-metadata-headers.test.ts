// tls-metadata-headers end to end: the real `tether start` process, client certificates made by
// openssl, the echo upstream showing exactly what was forwarded. The expected header values are
// computed by the openssl CLI (`-nameopt RFC2253`, nginx's `$ssl_client_*` formats), not by Tether.
import { get as httpGet } from "node:http";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createMtlsPki, createPki, type MtlsPki, type Pem, type TestPki } from "../fixtures/pki/index.ts";
import { startEcho, type Echo } from "../fixtures/upstream/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { untilApplied } from "../helpers/scenario.ts";
import { adminJson, startTether, type Tether } from "../helpers/tether.ts";

const HEADERS = ["x-client-cert", "x-client-cert-serial", "x-client-cert-issuer-dn", "x-client-cert-subject-dn", "x-client-cert-fingerprint"];

/** What a client might send to pass itself off as certificate-authenticated. */
const FORGED: Record<string, string | string[]> = {
  "X-Client-Cert": ["-----BEGIN%20CERTIFICATE-----forged", "second"],
  "X-Client-Cert-Serial": "01",
  "x-client-cert-issuer-dn": "CN=Tether Test CA,O=Tether Test",
  "X-CLIENT-CERT-SUBJECT-DN": "CN=admin,O=Tether Test",
  "X-Client-Cert-Fingerprint": "0000000000000000000000000000000000000000",
};

/** The five headers as openssl describes the certificate (the leaf is the first PEM in `file`). */
function expectedHeaders(leaf: Pem, sentPem: string): Record<string, string> {
  const out = execFileSync("openssl", ["x509", "-in", leaf.certPath, "-noout", "-serial", "-issuer", "-subject", "-fingerprint", "-sha1", "-nameopt", "RFC2253"], { encoding: "utf8" });
  const field = (label: RegExp): string => {
    const line = out.split("\n").find((l) => label.test(l));
    assert.ok(line, `openssl printed no ${label}: ${out}`);
    return line.slice(line.indexOf("=") + 1);
  };
  return {
    "x-client-cert": encodeURIComponent(sentPem),
    "x-client-cert-serial": field(/^serial=/),
    "x-client-cert-issuer-dn": field(/^issuer=/),
    "x-client-cert-subject-dn": field(/^subject=/),
    "x-client-cert-fingerprint": field(/^sha1 fingerprint=/i).replace(/:/g, "").toLowerCase(),
  };
}

describe("tls-metadata-headers", () => {
  let pki: TestPki;
  let mtls: MtlsPki;
  let echo: Echo;
  let t: Tether;

  /** One request under `host` (also the SNI); returns the status and the X-Client-Cert* headers the upstream got. */
  async function send(host: string, opts: { cert?: Pem; headers?: Record<string, string | string[]> } = {}) {
    const before = echo.requests.length;
    const res = await tlsRequest({ port: t.httpsPort, servername: host, path: "/meta", headers: { host, ...opts.headers }, ...(opts.cert ? { cert: opts.cert } : {}) });
    const forwarded = echo.requests.slice(before);
    const seen = forwarded[0] ? Object.fromEntries(HEADERS.filter((h) => forwarded[0]!.headers[h] !== undefined).map((h) => [h, forwarded[0]!.headers[h]])) : undefined;
    return { status: res.status, body: res.body, upstream: seen, forwardedCount: forwarded.length };
  }

  async function route(name: string, plugins: Array<{ name: string; config?: Record<string, unknown> }>): Promise<void> {
    const host = `${name}.tether.test`;
    assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name, hosts: [host], snis: [host], protocols: ["https"] })).status, 201);
    for (const plugin of plugins) {
      const res = await adminJson(t, "POST", `/routes/${name}/plugins`, plugin);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  }

  before(async () => {
    pki = createPki();
    // Only the chained certificate is used; the revocation URLs are never fetched.
    mtls = createMtlsPki(pki, { crlUrl: "http://127.0.0.1:9/crl", deadCrlUrl: "http://127.0.0.1:9/dead", ocspUrl: "http://127.0.0.1:9/ocsp" });
    echo = await startEcho();
    t = await startTether();
    assert.equal((await adminJson(t, "POST", "/services", { name: "svc", url: echo.url })).status, 201);
    const inject = { name: "tls-metadata-headers", config: { inject_client_cert_details: true } };
    await route("inject", [{ name: "tls-handshake-modifier" }, inject]);
    await route("quiet", [{ name: "tls-handshake-modifier" }, { name: "tls-metadata-headers" }]);
    // Kong's rule: alone, nobody asks for the certificate in the handshake.
    await route("alone", [inject]);
    const ca = await adminJson(t, "POST", "/ca_certificates", { cert: pki.ca.cert });
    assert.equal(ca.status, 201);
    await route("mtls", [{ name: "mtls-auth", config: { ca_certificates: [ca.body.id], skip_consumer_lookup: true, revocation_check_mode: "SKIP" } }, inject]);
    // A route that takes plain http too: the plugin's access phase (grpcs, https) does not run there.
    assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name: "both", hosts: ["both.tether.test"], protocols: ["http", "https"] })).status, 201);
    assert.equal((await adminJson(t, "POST", "/routes/both/plugins", inject)).status, 201);
    await untilApplied(t);
  });
  after(async () => {
    await t?.stop();
    await echo?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it("passes the certificate's PEM (URL-encoded), serial, issuer and subject DN (RFC 2253) and SHA-1 fingerprint", async () => {
    const res = await send("inject.tether.test", { cert: pki.clients.alice });
    assert.equal(res.status, 200);
    assert.deepEqual(res.upstream, expectedHeaders(pki.clients.alice, pki.clients.alice.cert));
  });

  it("replaces the client's own X-Client-Cert* headers with the certificate's", async () => {
    const res = await send("inject.tether.test", { cert: pki.clients.bob, headers: FORGED });
    assert.equal(res.status, 200);
    assert.deepEqual(res.upstream, expectedHeaders(pki.clients.bob, pki.clients.bob.cert));
  });

  it("includes the intermediates the client sent after its certificate (Kong 3.8+)", async () => {
    const res = await send("inject.tether.test", { cert: mtls.chainedWithIntermediate });
    assert.equal(res.status, 200);
    assert.deepEqual(res.upstream, expectedHeaders(mtls.chained, mtls.chainedWithIntermediate.cert));
  });

  it("without a certificate, forged headers never reach the upstream", async () => {
    const res = await send("inject.tether.test", { headers: FORGED });
    assert.equal(res.status, 200);
    assert.equal(res.forwardedCount, 1);
    assert.deepEqual(res.upstream, {});
  });

  it("with inject_client_cert_details false (Kong's default), nothing is injected and forged headers are still removed", async () => {
    for (const cert of [pki.clients.alice, undefined]) {
      const res = await send("quiet.tether.test", { headers: FORGED, ...(cert ? { cert } : {}) });
      assert.equal(res.status, 200);
      assert.deepEqual(res.upstream, {});
    }
  });

  it("on a route that also takes plain http, forged headers sent over http never reach the upstream", async () => {
    const before = echo.requests.length;
    // node:http, not fetch: fetch will not send a Host header of our choosing.
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { host: "both.tether.test", "X-Client-Cert": "forged", "X-Client-Cert-Subject-DN": "CN=admin" };
      httpGet({ host: "127.0.0.1", port: t.httpPort, path: "/meta", headers }, (res) => res.resume().on("end", () => resolve(res.statusCode ?? 0))).on("error", reject);
    });
    assert.equal(status, 200);
    const forwarded = echo.requests.slice(before);
    assert.equal(forwarded.length, 1);
    assert.deepEqual(HEADERS.filter((h) => forwarded[0]!.headers[h] !== undefined), []);
  });

  it("alone, without a plugin that requests the certificate, has no certificate to tell about", async () => {
    const res = await send("alone.tether.test", { cert: pki.clients.alice, headers: FORGED });
    assert.equal(res.status, 200);
    assert.deepEqual(res.upstream, {});
  });

  it("works with mtls-auth requesting (and verifying) the certificate", async () => {
    const ok = await send("mtls.tether.test", { cert: pki.clients.alice, headers: FORGED });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.upstream, expectedHeaders(pki.clients.alice, pki.clients.alice.cert));
    // mtls-auth (1600) refuses first: the forged headers go nowhere.
    const refused = await send("mtls.tether.test", { headers: FORGED });
    assert.equal(refused.status, 401);
    assert.equal(refused.forwardedCount, 0);
  });

  it("is listed with Kong's priority, and its schema has Kong's defaults and protocols", async () => {
    const info = await adminJson(t, "GET", "/");
    assert.equal(info.body.plugins.available_on_server["tls-metadata-headers"].priority, 996);
    // "quiet" was created with no config at all.
    const [created] = (await adminJson(t, "GET", "/routes/quiet/plugins")).body.data.filter((p: { name: string }) => p.name === "tls-metadata-headers");
    assert.deepEqual(created.protocols, ["grpcs", "https"]);
    assert.deepEqual(created.config, {
      inject_client_cert_details: false,
      client_cert_header_name: "X-Client-Cert",
      client_serial_header_name: "X-Client-Cert-Serial",
      client_cert_issuer_dn_header_name: "X-Client-Cert-Issuer-DN",
      client_cert_subject_dn_header_name: "X-Client-Cert-Subject-DN",
      client_cert_fingerprint_header_name: "X-Client-Cert-Fingerprint",
    });
  });

  it("Admin API schema violations name the field, as Kong", async () => {
    const validate = (body: Record<string, unknown>) => adminJson(t, "POST", "/schemas/plugins/validate", { name: "tls-metadata-headers", ...body });
    const bad = await validate({ config: { client_cert_header_name: "X Client Cert", inject_client_cert_details: "yes", nope: 1 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.name, "schema violation");
    assert.deepEqual(bad.body.fields.config, {
      client_cert_header_name: "bad header name 'X Client Cert', allowed characters are A-Z, a-z, 0-9, '_', and '-'",
      inject_client_cert_details: "expected a boolean",
      nope: "unknown field",
    });
    const http = await validate({ protocols: ["http"] });
    assert.equal(http.status, 400);
    assert.deepEqual(http.body.fields, { protocols: ["expected one of: grpcs, https, tls"] });
    const consumer = await validate({ consumer: { id: "5f7ba2a4-6c1d-4b8e-9d6c-0c3f4d1e2a10" } });
    assert.equal(consumer.status, 400);
    assert.deepEqual(consumer.body.fields, { consumer: "value must be null" });
  });
});
