// mtls-auth end to end: the real `tether start` process, certificates made by openssl, a CRL
// and an OCSP responder answered by openssl, the real IdP for the PoP row. Each behaviour of
// reference 4.3 gets its own route (one plugin config per route), so one proxy serves them all.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createMtlsPki, type MtlsPki, type Pem } from "../fixtures/pki/index.ts";
import { curl, tlsRequest } from "../helpers/clients.ts";
import { startScenario, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const NO_CERT = { message: "No required TLS certificate was sent" };
const FAILED = { message: "TLS certificate failed verification" };

interface RevocationServer {
  url: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  crl: Buffer;
  stop(): Promise<void>;
}

/** Serves /ca.crl (DER) and answers POST /ocsp through openssl; the fixture needs the URLs first. */
async function startRevocationServer(answerOcsp: (req: Buffer) => Buffer): Promise<RevocationServer> {
  const state: RevocationServer = { url: "", hits: new Map(), crl: Buffer.alloc(0), stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
      if (path === "/ca.crl") {
        res.writeHead(200, { "content-type": "application/pkix-crl" }).end(state.crl);
      } else if (path === "/ocsp" && req.method === "POST") {
        res.writeHead(200, { "content-type": "application/ocsp-response" }).end(answerOcsp(Buffer.concat(chunks)));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** A loopback port nothing listens on: a CRL server that is down. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("mtls-auth", () => {
  let s: Scenario;
  let m: MtlsPki;
  let revocation: RevocationServer;
  let ocspAnswer: (req: Buffer) => Buffer = () => Buffer.alloc(0);
  const ids: Record<string, string> = {};
  const consumers: Record<string, string> = {};

  const call = (path: string, cert?: Pem, headers: Record<string, string> = {}) =>
    tlsRequest({ port: s.tether.httpsPort, path, ...(cert ? { cert } : {}), headers });
  /** Upstream headers the echo server saw. */
  const upstream = (res: { body: unknown }): Record<string, string | undefined> =>
    (res.body as { headers: Record<string, string | undefined> }).headers;

  async function admin(method: string, path: string, body?: unknown): Promise<{ id: string }> {
    const res = await adminJson(s.tether, method, path, body);
    assert.ok(res.status === 201 || res.status === 200, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  }

  async function route(path: string, plugins: { name: string; config: Record<string, unknown> }[]): Promise<void> {
    const name = path.slice(1);
    await admin("POST", "/services/echo/routes", { name, paths: [path], strip_path: false });
    for (const plugin of plugins) await admin("POST", `/routes/${name}/plugins`, plugin);
  }
  const mtls = (config: Record<string, unknown>) => ({ name: "mtls-auth", config: { ca_certificates: [ids.ca], ...config } });

  before(async () => {
    s = await startScenario();
    revocation = await startRevocationServer((req) => ocspAnswer(req));
    m = createMtlsPki(s.pki, {
      crlUrl: `${revocation.url}/ca.crl`,
      deadCrlUrl: `http://127.0.0.1:${await deadPort()}/ca.crl`,
      ocspUrl: `${revocation.url}/ocsp`,
    });
    revocation.crl = m.crl.der;
    ocspAnswer = (req) => m.answerOcsp(req);

    ids.ca = (await admin("POST", "/ca_certificates", { cert: s.pki.ca.cert })).id;
    ids.other = (await admin("POST", "/ca_certificates", { cert: s.pki.otherCa.cert })).id;
    ids.intermediate = (await admin("POST", "/ca_certificates", { cert: m.intermediate.cert })).id;
    const consumer = async (body: Record<string, string>) => (await admin("POST", "/consumers", body)).id;
    consumers.alice = await consumer({ username: "alice" });
    consumers.bob = await consumer({ username: "robert", custom_id: "bob" });
    consumers.carol = await consumer({ username: "carol" });
    consumers.daveByCn = await consumer({ username: "dave" });
    consumers.daveBySan = await consumer({ username: "spiffe://tether.test/dave" });
    consumers.fallback = await consumer({ username: "fallback" });
    consumers.anonymous = await consumer({ username: "anonymous" });
    consumers.mappedAny = await consumer({ username: "mapped-any-ca" });
    consumers.mappedCa = await consumer({ username: "mapped-this-ca" });
    consumers.mallory = await consumer({ username: "mallory-owner" });
    consumers.wrongCa = await consumer({ username: "wrong-ca" });
    // Manual mappings: "crl-good" both for any CA and for `ca` (the CA-restricted one wins);
    // alice's email only under otherCa (must not match her, she chains to `ca`);
    // mallory's CN under otherCa (her CA) maps her.
    await admin("POST", `/consumers/${consumers.mappedAny}/mtls-auth`, { subject_name: "crl-good" });
    await admin("POST", `/consumers/${consumers.mappedCa}/mtls-auth`, { subject_name: "crl-good", ca_certificate: { id: ids.ca } });
    await admin("POST", `/consumers/${consumers.wrongCa}/mtls-auth`, { subject_name: "alice@tether.test", ca_certificate: { id: ids.other } });
    await admin("POST", `/consumers/${consumers.mallory}/mtls-auth`, { subject_name: "mallory", ca_certificate: { id: ids.other } });

    await admin("POST", "/services", { name: "echo", url: s.echo.url });
    await route("/basic", [mtls({})]);
    await route("/partial-off", [mtls({ ca_certificates: [ids.intermediate] })]);
    await route("/partial-on", [mtls({ ca_certificates: [ids.intermediate], allow_partial_chain: true })]);
    await route("/creds", [mtls({ ca_certificates: [ids.ca, ids.other], consumer_by: [] })]);
    await route("/by-username", [mtls({ consumer_by: ["username"] })]);
    await route("/by-custom-id", [mtls({ consumer_by: ["custom_id"] })]);
    await route("/default", [mtls({ default_consumer: "fallback" })]);
    await route("/default-missing", [mtls({ default_consumer: "nobody" })]);
    await route("/anon", [mtls({ anonymous: consumers.anonymous })]);
    await route("/anon-missing", [mtls({ anonymous: "ghost" })]);
    await route("/skip", [mtls({ skip_consumer_lookup: true })]);
    await route("/skip-dn", [mtls({ skip_consumer_lookup: true, authenticated_group_by: "DN" })]);
    await route("/rev-ignore", [mtls({ skip_consumer_lookup: true, revocation_check_mode: "IGNORE_CA_ERROR", http_timeout: 2000 })]);
    await route("/rev-strict", [mtls({ skip_consumer_lookup: true, revocation_check_mode: "STRICT", http_timeout: 2000 })]);
    await route("/rev-skip", [mtls({ skip_consumer_lookup: true, revocation_check_mode: "SKIP" })]);
    await route("/unknown-ca", [mtls({ ca_certificates: [randomUUID()] })]);
    await route("/pop", [
      mtls({}),
      { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } },
    ]);
    // The last write is live once /pop refuses a request without a certificate with mtls-auth's message.
    await waitFor(async () => {
      const res = await call("/pop");
      return res.status === 401 && (res.body as { message?: string })?.message === NO_CERT.message;
    }, 10_000);
  });

  after(async () => {
    await revocation?.stop();
    await s?.stop();
  });

  describe("certificate present and trusted", () => {
    it("maps a trusted leaf to its consumer (username = CN) and tells the upstream who it is", async () => {
      const res = await call("/basic", s.pki.clients.alice, { "x-consumer-username": "spoofed", "x-anonymous-consumer": "true" });
      assert.equal(res.status, 200);
      const h = upstream(res);
      assert.equal(h["x-consumer-id"], consumers.alice);
      assert.equal(h["x-consumer-username"], "alice");
      assert.equal(h["x-consumer-custom-id"], undefined);
      assert.equal(h["x-anonymous-consumer"], undefined);
      assert.equal(h["x-credential-identifier"], undefined);
    });

    it("works with curl presenting the certificate", async () => {
      const { certPath, keyPath } = s.pki.clients.alice;
      const res = await curl("-k", "--cert", certPath, "--key", keyPath, `https://127.0.0.1:${s.tether.httpsPort}/basic`);
      assert.equal(res.status, 200);
      assert.equal((res.body as { headers: Record<string, string> }).headers["x-consumer-username"], "alice");
    });

    it("matches custom_id too (consumer_by default: username, then custom_id)", async () => {
      const res = await call("/basic", s.pki.clients.bob);
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-consumer-custom-id"], "bob");
      assert.equal(upstream(res)["x-consumer-username"], "robert");
    });

    it("tries SAN values before the CN", async () => {
      const res = await call("/basic", m.sanRich);
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-consumer-id"], consumers.daveBySan);
    });

    it("does not pass client-sent X-Client-Cert-* headers upstream", async () => {
      const res = await call("/basic", s.pki.clients.alice, { "x-client-cert-dn": "CN=admin", "x-client-cert-san": "admin" });
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-client-cert-dn"], undefined);
      assert.equal(upstream(res)["x-client-cert-san"], undefined);
    });
  });

  describe("refusals", () => {
    it("no certificate: 401, Kong's message, no WWW-Authenticate", async () => {
      const res = await call("/basic");
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, NO_CERT);
      assert.equal(res.headers["www-authenticate"], undefined);
    });

    it("plain HTTP: 401 No required TLS certificate was sent", async () => {
      const res = await fetch(`http://127.0.0.1:${s.tether.httpPort}/basic`);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), NO_CERT);
    });

    it("untrusted issuer (mallory, otherCa): 401 verification failed", async () => {
      const res = await call("/basic", s.pki.clients.mallory);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
      assert.equal(res.headers["www-authenticate"], undefined);
    });

    it("expired certificate: 401 verification failed", async () => {
      const res = await call("/basic", s.pki.expiredClient);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
    });

    it("trusted but no consumer matches: 401 verification failed", async () => {
      const res = await call("/basic", m.noCn);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
    });

    it("a CA id that does not exist: 500 at request time (as Kong)", async () => {
      const res = await call("/unknown-ca", s.pki.clients.alice);
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { message: "An unexpected error occurred" });
    });
  });

  describe("chains", () => {
    it("verifies a leaf through the intermediate the client sent", async () => {
      const res = await call("/basic", m.chainedWithIntermediate);
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-consumer-username"], "carol");
    });

    it("refuses the same leaf when the client does not send the intermediate", async () => {
      const res = await call("/basic", m.chained);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
    });

    it("an intermediate alone in ca_certificates does not anchor without allow_partial_chain", async () => {
      const res = await call("/partial-off", m.chainedWithIntermediate);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
    });

    it("with allow_partial_chain the intermediate anchors, with or without the sent chain", async () => {
      assert.equal((await call("/partial-on", m.chainedWithIntermediate)).status, 200);
      assert.equal((await call("/partial-on", m.chained)).status, 200);
      // A leaf of the root (not under the intermediate) is still refused there.
      assert.equal((await call("/partial-on", s.pki.clients.alice)).status, 401);
    });
  });

  describe("revocation", () => {
    it("CRL: a listed certificate is refused, an unlisted one passes", async () => {
      assert.equal((await call("/rev-ignore", m.crl.good)).status, 200);
      const revoked = await call("/rev-ignore", m.crl.revoked);
      assert.equal(revoked.status, 401);
      assert.deepEqual(revoked.body, FAILED);
      assert.equal((await call("/rev-strict", m.crl.revoked)).status, 401);
      assert.equal((await call("/rev-strict", m.crl.good)).status, 200);
      assert.ok((revocation.hits.get("/ca.crl") ?? 0) >= 1);
    });

    it("SKIP does not look", async () => {
      assert.equal((await call("/rev-skip", m.crl.revoked)).status, 200);
    });

    it("CRL server down: IGNORE_CA_ERROR passes, STRICT refuses", async () => {
      assert.equal((await call("/rev-ignore", m.unreachableCrl)).status, 200);
      const strict = await call("/rev-strict", m.unreachableCrl);
      assert.equal(strict.status, 401);
      assert.deepEqual(strict.body, FAILED);
    });

    it("STRICT refuses a certificate that names neither OCSP nor CRL (Kong: cannot check = revoked)", async () => {
      assert.equal((await call("/rev-strict", s.pki.clients.alice)).status, 401);
      assert.equal((await call("/rev-ignore", s.pki.clients.alice)).status, 200);
    });

    it("OCSP: good passes, revoked is refused (responder is openssl ocsp over the CA database)", async () => {
      assert.equal((await call("/rev-strict", m.ocsp.good)).status, 200);
      assert.equal((await call("/rev-strict", m.ocsp.revoked)).status, 401);
      assert.equal((await call("/rev-ignore", m.ocsp.revoked)).status, 401);
      assert.ok((revocation.hits.get("/ocsp") ?? 0) >= 2);
    });

    it("caches definite answers: a second request does not fetch the CRL again", async () => {
      const before = revocation.hits.get("/ca.crl") ?? 0;
      for (let i = 0; i < 3; i++) assert.equal((await call("/rev-strict", m.crl.good)).status, 200);
      assert.equal(revocation.hits.get("/ca.crl") ?? 0, before);
    });
  });

  describe("consumer mapping", () => {
    it("mtls_auth_credentials: the mapping restricted to the anchoring CA beats the one for any CA", async () => {
      const res = await call("/creds", m.crl.good);
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-consumer-id"], consumers.mappedCa);
    });

    it("a mapping restricted to another CA does not apply", async () => {
      // alice@tether.test is mapped only under otherCa; alice chains to ca, and consumer_by is [].
      const res = await call("/creds", s.pki.clients.alice);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
    });

    it("a certificate of the second configured CA maps through its CA-restricted credential", async () => {
      const res = await call("/creds", s.pki.clients.mallory);
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-consumer-id"], consumers.mallory);
    });

    it("consumer_by [username] ignores custom_id, [custom_id] ignores username", async () => {
      assert.equal((await call("/by-username", s.pki.clients.alice)).status, 200);
      assert.equal((await call("/by-username", s.pki.clients.bob)).status, 401);
      const bob = await call("/by-custom-id", s.pki.clients.bob);
      assert.equal(bob.status, 200);
      assert.equal(upstream(bob)["x-consumer-id"], consumers.bob);
      assert.equal((await call("/by-custom-id", s.pki.clients.alice)).status, 401);
    });

    it("default_consumer: a trusted certificate without a match proceeds as it, with the certificate headers", async () => {
      const res = await call("/default", m.noCn);
      assert.equal(res.status, 200);
      const h = upstream(res);
      assert.equal(h["x-consumer-id"], consumers.fallback);
      assert.equal(h["x-client-cert-dn"], "O=Tether Test");
      assert.equal(h["x-client-cert-san"], "nocn@tether.test");
      // A match still wins over the default.
      assert.equal(upstream(await call("/default", s.pki.clients.alice))["x-consumer-username"], "alice");
      // The default is for trusted certificates only.
      assert.equal((await call("/default", s.pki.clients.mallory)).status, 401);
    });

    it("a default_consumer that does not exist: 401 Unauthorized", async () => {
      const res = await call("/default-missing", m.noCn);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { message: "Unauthorized" });
    });
  });

  describe("anonymous", () => {
    it("no or untrusted certificate proceeds as the anonymous consumer", async () => {
      for (const cert of [undefined, s.pki.clients.mallory, s.pki.expiredClient]) {
        const res = await call("/anon", cert);
        assert.equal(res.status, 200);
        assert.equal(upstream(res)["x-consumer-id"], consumers.anonymous);
        assert.equal(upstream(res)["x-anonymous-consumer"], "true");
      }
    });

    it("a good certificate is still its own consumer", async () => {
      const res = await call("/anon", s.pki.clients.alice);
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["x-consumer-username"], "alice");
      assert.equal(upstream(res)["x-anonymous-consumer"], undefined);
    });

    it("an anonymous consumer that does not exist: 500", async () => {
      const res = await call("/anon-missing");
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { message: "An unexpected error occurred" });
    });
  });

  describe("skip_consumer_lookup", () => {
    it("any trusted certificate passes with X-Client-Cert-DN and X-Client-Cert-SAN, no consumer", async () => {
      const res = await call("/skip", m.sanRich, { "x-consumer-username": "spoofed" });
      assert.equal(res.status, 200);
      const h = upstream(res);
      assert.equal(h["x-client-cert-dn"], "CN=dave,O=Tether Test");
      assert.equal(h["x-client-cert-san"], "dave.tether.test,spiffe://tether.test/dave,10.0.0.7,dave@tether.test,dave");
      assert.equal(h["x-consumer-id"], undefined);
      assert.equal(h["x-consumer-username"], undefined);
    });

    it("still verifies: untrusted is refused", async () => {
      const res = await call("/skip", s.pki.clients.mallory);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, FAILED);
    });

    it("authenticated_group_by CN needs a CN; DN does not", async () => {
      const cn = await call("/skip", m.noCn);
      assert.equal(cn.status, 401);
      assert.deepEqual(cn.body, { message: "Certificate missing Common Name" });
      const dn = await call("/skip-dn", m.noCn);
      assert.equal(dn.status, 200);
      assert.equal(upstream(dn)["x-client-cert-dn"], "O=Tether Test");
    });
  });

  describe("with openid-connect strict PoP on the same route", () => {
    it("mtls-auth runs first: a bad or missing certificate never reaches OIDC (no WWW-Authenticate)", async () => {
      const token = await s.token({ cert: s.pki.clients.alice });
      for (const [cert, body] of [[s.pki.clients.mallory, FAILED], [s.pki.expiredClient, FAILED], [undefined, NO_CERT]] as const) {
        const res = await call("/pop", cert, { authorization: `Bearer ${token}` });
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, body);
        assert.equal(res.headers["www-authenticate"], undefined);
      }
    });

    it("good certificate + token bound to it: 200", async () => {
      const token = await s.token({ cert: s.pki.clients.alice });
      const res = await call("/pop", s.pki.clients.alice, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 200);
      assert.equal(upstream(res)["authorization"], `Bearer ${token}`);
    });

    it("good certificate + token bound to another certificate: OIDC refuses the PoP mismatch", async () => {
      const token = await s.token({ cert: s.pki.clients.alice });
      const res = await call("/pop", s.pki.clients.bob, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 401);
      assert.match(String(res.headers["www-authenticate"]), /invalid_token/);
    });
  });

  it("the process keeps serving after all of it", async () => {
    assert.equal(s.tether.process.exitCode, null);
    assert.equal((await call("/basic", s.pki.clients.alice)).status, 200);
    assert.equal((await call("/basic")).status, 401);
  });
});
