// Mutual TLS to upstreams (Kong's service fields client_certificate, tls_verify,
// tls_verify_depth, ca_certificates; runloop/upstream_ssl.lua): a real https upstream that
// requires a client certificate from the test CA, reached through the real `tether start`
// process, once per forwarding engine; also the node's trust (trusted_certificate) for
// verification without ca_certificates, and connections made with a replaced client certificate.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

/** What the upstream saw of one request: the client certificate's subject and the SNI. */
interface Seen {
  path: string;
  subject: string | null;
  servername: string | null;
}

/** One TLS connection the upstream accepted: the client certificate it came with, and whether it closed. */
interface Connection {
  subject: string | null;
  closed: boolean;
}

interface MtlsUpstream {
  port: number;
  /** Requests in arrival order, with the connection (index in `connections`) each came on. */
  seen: (Seen & { connection: number })[];
  connections: Connection[];
  /** Answers to `/hold…` requests, waiting to be sent: call one to answer. */
  held: (() => void)[];
  close(): Promise<void>;
}

/**
 * A server certificate one intermediate below the test CA (the chain it serves: leaf,
 * intermediate), made with the fixture's own openssl profiles.
 */
function intermediateChain(pki: TestPki): { cert: string; key: string } {
  const run = (name: string, issuer: string, subject: string, ext: string): string => {
    execFileSync("openssl", ["req", "-config", join(pki.dir, "openssl.cnf"), "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", `${name}.key`, "-out", `${name}.crt`, "-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`, "-subj", subject, "-days", "30", "-extensions", ext],
      { cwd: pki.dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, TETHER_PKI_DIR: pki.dir, TETHER_SAN_EMAIL: "unused@tether.test" } });
    return readFileSync(join(pki.dir, `${name}.crt`), "utf8");
  };
  const intermediate = run("upstream-intermediate", "ca", "/O=Tether Test/CN=Upstream Intermediate", "ca_ext");
  const leaf = run("upstream-leaf", "upstream-intermediate", "/O=Tether Test/CN=localhost", "server_ext");
  return { cert: leaf + intermediate, key: readFileSync(join(pki.dir, "upstream-leaf.key"), "utf8") };
}

const subjectOf = (socket: TLSSocket): string | null => {
  const cn = socket.getPeerCertificate().subject?.CN;
  return cn === undefined ? null : String(cn);
};

/**
 * An https server that refuses any client without a certificate from the test CA. It asks clients
 * to keep idle connections for 60 s (Keep-Alive: timeout=60) and keeps them itself as long, so
 * any connection closing sooner was closed by the proxy.
 */
async function startMtlsUpstream(pki: TestPki, serving: { cert: string; key: string } = pki.server): Promise<MtlsUpstream> {
  const seen: MtlsUpstream["seen"] = [];
  const connections: Connection[] = [];
  const held: (() => void)[] = [];
  const connectionOf = new WeakMap<Socket, number>();
  const server = https.createServer({ cert: serving.cert, key: serving.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const servername = typeof socket.servername === "string" ? socket.servername : null;
    const entry = { path: req.url ?? "", subject: subjectOf(socket), servername };
    seen.push({ ...entry, connection: connectionOf.get(socket) ?? -1 });
    const answer = (): void => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(entry));
    };
    if (entry.path.startsWith("/hold")) held.push(answer);
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  server.on("secureConnection", (socket: TLSSocket) => {
    const connection = { subject: subjectOf(socket), closed: false };
    connectionOf.set(socket, connections.push(connection) - 1);
    socket.once("close", () => (connection.closed = true));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    connections,
    held,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function created(t: Tether, path: string, body: unknown): Promise<{ id: string }> {
  const res = await adminJson(t, "POST", path, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string };
}

const NGINX_502 = "An invalid response was received from the upstream server";

for (const engine of ["undici", "http-proxy"] as const) {
  describe(`upstream mutual TLS (${engine})`, () => {
    let t: Tether;
    let pki: TestPki;
    let upstream: MtlsUpstream;
    let chained: MtlsUpstream;
    /** The upstream of the service whose client certificate is replaced (its connections alone). */
    let rotating: MtlsUpstream;

    before(async () => {
      pki = createPki();
      upstream = await startMtlsUpstream(pki);
      chained = await startMtlsUpstream(pki, intermediateChain(pki));
      rotating = await startMtlsUpstream(pki);
      t = await startTether({ env: { TETHER_FORWARDER: engine, TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath } });
      const alice = await created(t, "/certificates", { cert: pki.clients.alice.cert, key: pki.clients.alice.key });
      const ca = await created(t, "/ca_certificates", { cert: pki.ca.cert });
      const otherCa = await created(t, "/ca_certificates", { cert: pki.otherCa.cert });
      const at = (host: string): string => `https://${host}:${upstream.port}`;
      const services: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ["no-cert", { url: at("127.0.0.1") }, {}],
        ["cert", { url: at("127.0.0.1"), client_certificate: { id: alice.id } }, {}],
        ["verified", { url: at("127.0.0.1"), client_certificate: { id: alice.id }, tls_verify: true, ca_certificates: [ca.id] }, {}],
        ["wrong-ca", { url: at("127.0.0.1"), client_certificate: { id: alice.id }, tls_verify: true, ca_certificates: [otherCa.id] }, {}],
        ["node-trust", { url: at("127.0.0.1"), client_certificate: { id: alice.id }, tls_verify: true }, {}],
        ["rotating", { url: `https://127.0.0.1:${rotating.port}`, client_certificate: { id: alice.id } }, {}],
        ["named", { url: at("localhost"), client_certificate: { id: alice.id }, tls_verify: true, ca_certificates: [ca.id] }, {}],
        ["preserved", { url: at("127.0.0.1"), client_certificate: { id: alice.id }, tls_verify: true, ca_certificates: [ca.id] }, { preserve_host: true }],
        ...([0, 1, null] as const).map((depth): [string, Record<string, unknown>, Record<string, unknown>] => [
          `depth-${depth}`,
          { url: `https://127.0.0.1:${chained.port}`, client_certificate: { id: alice.id }, tls_verify: true, ca_certificates: [ca.id], tls_verify_depth: depth },
          {},
        ]),
      ];
      // Balanced services: the upstream's client_certificate unless the service has its own.
      const bob = await created(t, "/certificates", { cert: pki.clients.bob.cert, key: pki.clients.bob.key });
      await created(t, "/upstreams", { name: "mtls.upstream", client_certificate: { id: bob.id } });
      await created(t, "/upstreams/mtls.upstream/targets", { target: `127.0.0.1:${upstream.port}` });
      services.push(
        ["balanced", { protocol: "https", host: "mtls.upstream" }, {}],
        ["own-on-upstream", { protocol: "https", host: "mtls.upstream", client_certificate: { id: alice.id } }, {}],
      );
      for (const [name, service, route] of services) {
        await created(t, "/services", { name, ...service });
        await created(t, `/services/${name}/routes`, { paths: [`/${name}`], ...route });
      }
      // The last route created: every route before it is served too.
      await waitFor(async () => (await get(t.httpPort, "/own-on-upstream/x")).status !== 404, 10_000);
      upstream.seen.length = 0;
    });

    after(async () => {
      await t?.stop();
      await upstream?.close();
      await chained?.close();
      await rotating?.close();
    });

    it("answers Kong's 502 when the upstream requires a client certificate and none is configured", async () => {
      const res = await get(t.httpPort, "/no-cert/x");
      assert.equal(res.status, 502);
      assert.match(res.text, new RegExp(NGINX_502));
      assert.equal(upstream.seen.filter((s) => s.path === "/x").length, 0, "nothing reached the upstream");
      assert.ok(t.logs.some((l) => l.msg === "upstream failure" && l["status"] === 502));
    });

    it("presents the service's client_certificate", async () => {
      const res = await get(t.httpPort, "/cert/hello");
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(JSON.parse(res.text), { path: "/hello", subject: "alice", servername: null });
    });

    it("a balanced service presents its upstream's client_certificate, its own when it has one (Kong's fallback_upstream_client_cert)", async () => {
      const fromUpstream = await get(t.httpPort, "/balanced/u");
      assert.equal(fromUpstream.status, 200, fromUpstream.text);
      assert.equal((JSON.parse(fromUpstream.text) as Seen).subject, "bob");
      const own = await get(t.httpPort, "/own-on-upstream/u");
      assert.equal(own.status, 200, own.text);
      assert.equal((JSON.parse(own.text) as Seen).subject, "alice");
    });

    it("with tls_verify, accepts an upstream certificate from the listed ca_certificates", async () => {
      const res = await get(t.httpPort, "/verified/ok");
      assert.equal(res.status, 200, res.text);
      assert.equal((JSON.parse(res.text) as Seen).subject, "alice");
    });

    it("with tls_verify and no ca_certificates, trusts the node's trusted_certificate CAs", async () => {
      const res = await get(t.httpPort, "/node-trust/ok");
      assert.equal(res.status, 200, res.text);
      assert.equal((JSON.parse(res.text) as Seen).subject, "alice");
    });

    it("with tls_verify, refuses an upstream certificate the listed CAs did not issue (502, nothing sent)", async () => {
      const res = await get(t.httpPort, "/wrong-ca/secret");
      assert.equal(res.status, 502);
      assert.match(res.text, new RegExp(NGINX_502));
      assert.equal(upstream.seen.filter((s) => s.path === "/secret").length, 0, "the request never reached the upstream");
    });

    it("sends the service host as SNI and verifies the certificate against it", async () => {
      const res = await get(t.httpPort, "/named/sni");
      assert.equal(res.status, 200, res.text);
      assert.equal((JSON.parse(res.text) as Seen).servername, "localhost");
    });

    it("with preserve_host, sends the client's Host as SNI and verifies against it", async () => {
      const ok = await get(t.httpPort, "/preserved/sni", { host: "api.tether.test" });
      assert.equal(ok.status, 200, ok.text);
      assert.equal((JSON.parse(ok.text) as Seen).servername, "api.tether.test");
      // A name the upstream's certificate does not carry fails verification: nothing is sent.
      const refused = await get(t.httpPort, "/preserved/mismatch", { host: "api.example.com" });
      assert.equal(refused.status, 502);
      assert.equal(upstream.seen.filter((s) => s.path === "/mismatch").length, 0);
    });

    it("refuses a chain with more intermediates than tls_verify_depth (null: nginx's 1)", async () => {
      assert.equal((await get(t.httpPort, "/depth-0/deep")).status, 502);
      assert.equal(chained.seen.filter((s) => s.path === "/deep").length, 0, "nothing reached the upstream");
      assert.equal((await get(t.httpPort, "/depth-1/ok")).status, 200);
      assert.equal((await get(t.httpPort, "/depth-null/ok")).status, 200);
    });

    it("closes the connections made with a replaced client certificate, once the request in flight on one is answered", async () => {
      assert.equal((await get(t.httpPort, "/rotating/warm")).status, 200);
      const holding = get(t.httpPort, "/rotating/hold");
      await waitFor(async () => rotating.held.length === 1);
      const inFlight = rotating.connections[rotating.seen.at(-1)!.connection]!;
      const bob = await created(t, "/certificates", { cert: pki.clients.bob.cert, key: pki.clients.bob.key });
      const patched = await adminJson(t, "PATCH", "/services/rotating", { client_certificate: { id: bob.id } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      await waitFor(async () => (JSON.parse((await get(t.httpPort, "/rotating/who")).text) as Seen).subject === "bob", 10_000);
      const withSubject = (subject: string): Connection[] => rotating.connections.filter((c) => c.subject === subject);
      // Served by the new configuration: the connections with alice's certificate are idle but for
      // the one answering /hold, which stays until that answer is through.
      await waitFor(async () => withSubject("alice").every((c) => c.closed === (c !== inFlight)));
      assert.equal(inFlight.closed, false);
      rotating.held.shift()!();
      const held = await holding;
      assert.equal(held.status, 200, held.text);
      assert.equal((JSON.parse(held.text) as Seen).subject, "alice");
      await waitFor(async () => withSubject("alice").every((c) => c.closed));
      assert.ok(withSubject("bob").length > 0 && withSubject("bob").every((c) => !c.closed), "the live pool keeps its connections");
    });
  });
}

describe("upstream tls_verify without ca_certificates nor trusted_certificate", () => {
  let t: Tether;
  let pki: TestPki;
  let upstream: MtlsUpstream;

  before(async () => {
    pki = createPki();
    upstream = await startMtlsUpstream(pki);
    t = await startTether();
    const alice = await created(t, "/certificates", { cert: pki.clients.alice.cert, key: pki.clients.alice.key });
    await created(t, "/services", { name: "node-trust", url: `https://127.0.0.1:${upstream.port}`, client_certificate: { id: alice.id }, tls_verify: true });
    await created(t, "/services/node-trust/routes", { paths: ["/node-trust"] });
    await waitFor(async () => (await get(t.httpPort, "/node-trust")).status !== 404, 10_000);
  });

  after(async () => {
    await t?.stop();
    await upstream?.close();
  });

  it("refuses an upstream certificate from a CA only the system CAs could vouch for (502, nothing sent)", async () => {
    const res = await get(t.httpPort, "/node-trust/secret");
    assert.equal(res.status, 502);
    assert.match(res.text, new RegExp(NGINX_502));
    assert.equal(upstream.seen.length, 0, "the request never reached the upstream");
  });
});

describe("upstream TLS fields in the Admin API", () => {
  let t: Tether;
  before(async () => (t = await startTether()));
  after(async () => t?.stop());

  it("refuses a client_certificate that does not exist (Kong's foreign key error)", async () => {
    const id = "6f2c0a5e-3b3c-4a51-9d0a-2f6a8c1d4e55";
    const res = await adminJson(t, "POST", "/services", { url: "https://127.0.0.1:9443", client_certificate: { id } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.name, "foreign key violation");
    assert.deepEqual(res.body.fields, { client_certificate: { id } });
  });

  it("refuses tls_verify_depth outside 0..64 and TLS fields on a plain http service", async () => {
    const deep = await adminJson(t, "POST", "/services", { url: "https://127.0.0.1:9443", tls_verify_depth: 65 });
    assert.equal(deep.status, 400);
    assert.ok(deep.body.fields.tls_verify_depth, JSON.stringify(deep.body));
    const plain = await adminJson(t, "POST", "/services", { url: "http://127.0.0.1:9080", tls_verify: true });
    assert.equal(plain.status, 400);
    assert.deepEqual(plain.body.fields, { tls_verify: "value must be null" });
  });
});
