// proof_of_possession_mtls_from_header: TLS ends at a real terminator in front of Tether (Debian's
// nginx, `ssl_verify_client optional_no_ca`), which forwards the client certificate in a header to
// Tether's plain listener. Tether believes the header only from trusted_ips (127.0.0.1 here; the
// attacker below connects from 127.0.0.2), verifies it against the listed CAs, and binds the
// token to it. RFC 9440 and base64 DER, which nginx cannot produce, come from a small Node
// terminator doing real TLS with the same client certificates.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import type { Pem } from "../fixtures/pki/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { missingPart } from "../helpers/missing.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const MISMATCH = "the client certificate thumbprint does not match the x5t#S256 claim";
const NO_CERT = "client certificate was not specified";
const CERT_HEADER = "x-client-cert";
const XFCC = "x-forwarded-client-cert";
const DER_HEADER = "x-ssl-client-der";

const NGINX = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((p) => existsSync(p)) ?? (spawnSync("nginx", ["-v"]).status === 0 ? "nginx" : undefined);
const SKIP = NGINX ? false : missingPart("SKIPPED: nginx is not installed (apt-get install nginx-light): the certificate-from-header tests need a real TLS terminator");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** nginx terminating TLS on `port` and forwarding to Tether's plain listener, as the docs show. */
async function startNginx(dir: string, port: number, tetherPort: number, server: Pem): Promise<{ stop(): Promise<void> }> {
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # Envoy's APPEND_FORWARD: keep the elements already there, add this hop's last.
  map $http_x_forwarded_client_cert $xfcc_before { "" ""; default "$http_x_forwarded_client_cert,"; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${server.certPath};
    ssl_certificate_key ${server.keyPath};
    ssl_verify_client optional_no_ca;
    location / {
      proxy_pass http://127.0.0.1:${tetherPort};
      # Replaces (or, without a client certificate, removes) whatever the client sent itself.
      proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
      proxy_set_header X-Forwarded-Client-Cert "\${xfcc_before}By=nginx;Cert=\\"$ssl_client_escaped_cert\\"";
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX!, ["-p", dir, "-e", join(dir, "error.log"), "-c", conf], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see ${dir}/error.log`);
        const socket = connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true))).on("error", () => resolve(false));
      }),
    10_000,
  );
  return {
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGQUIT");
      await exited;
    },
  };
}

/**
 * A TLS terminator in Node for the formats nginx has no variable for: it asks for a client
 * certificate, drops the client's own certificate headers, and forwards with RFC 9440's
 * Client-Cert (+ Client-Cert-Chain holding the CA) and the base64 DER.
 */
async function startNodeTerminator(tetherPort: number, server: Pem, ca: Pem): Promise<{ port: number; stop(): Promise<void> }> {
  const caDer = new X509Certificate(ca.cert).raw.toString("base64");
  const terminator = https.createServer({ cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const headers = { ...req.headers };
    for (const name of ["client-cert", "client-cert-chain", DER_HEADER]) delete headers[name];
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    if (peer?.raw) {
      headers["client-cert"] = `:${peer.raw.toString("base64")}:`;
      headers["client-cert-chain"] = `:${caDer}:`;
      headers[DER_HEADER] = peer.raw.toString("base64");
    }
    const upstream = http.request({ host: "127.0.0.1", port: tetherPort, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => terminator.listen(0, "127.0.0.1", resolve));
  return {
    port: (terminator.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => (terminator.closeAllConnections(), terminator.close(() => resolve()))),
  };
}

/** A plain request straight to Tether, from `localAddress` (127.0.0.2 is loopback, but not trusted). */
function direct(port: number, path: string, headers: Record<string, string>, localAddress: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, headers, localAddress, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const escapedPem = (pem: string): string => encodeURIComponent(new X509Certificate(pem).toString());

describe("proof_of_possession_mtls_from_header behind a TLS terminator", { skip: SKIP }, () => {
  let s: Scenario;
  let dir: string;
  let nginx: { stop(): Promise<void> };
  let nginxPort: number;
  let node: { port: number; stop(): Promise<void> };
  let caId: string;
  let aliceToken: string;
  let malloryToken: string;

  const fromHeader = (record: Record<string, unknown>) => ({
    proof_of_possession_mtls: "strict",
    proof_of_possession_mtls_from_header: { ca_certificates: [caId], certificate_header_name: CERT_HEADER, ...record },
  });
  const viaNginx = (path: string, cert: Pem | undefined, token: string, headers: Record<string, string> = {}) =>
    tlsRequest({ port: nginxPort, path, headers: { authorization: `Bearer ${token}`, ...headers }, cert });
  const refusedWith = (res: { status: number; headers: Record<string, unknown> }, description: string): void => {
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], `Bearer realm="localhost", error="invalid_token", error_description="${description}"`);
  };

  before(async () => {
    s = await startScenario({ env: { TETHER_TRUSTED_IPS: "127.0.0.1" } });
    dir = mkdtempSync(join(tmpdir(), "tether-nginx-"));
    caId = (await adminJson(s.tether, "POST", "/ca_certificates", { cert: s.pki.ca.cert })).body.id as string;
    await s.protect("/url", fromHeader({}));
    await s.protect("/open", fromHeader({ secure_source: false }));
    await s.protect("/xfcc", fromHeader({ certificate_header_name: XFCC, certificate_header_format: "xfcc" }));
    await s.protect("/rfc9440", fromHeader({ certificate_header_name: "Client-Cert", certificate_header_format: "rfc9440" }));
    await s.protect("/b64", fromHeader({ certificate_header_name: DER_HEADER, certificate_header_format: "base64_encoded" }));
    await untilApplied(s.tether);
    nginxPort = await freePort();
    nginx = await startNginx(dir, nginxPort, s.tether.httpPort, s.pki.server);
    node = await startNodeTerminator(s.tether.httpPort, s.pki.server, s.pki.ca);
    aliceToken = await s.token({ cert: s.pki.clients.alice });
    malloryToken = await s.token({ cert: s.pki.clients.mallory });
  });
  after(async () => {
    await nginx?.stop();
    await node?.stop();
    await s?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("nginx + alice's certificate + alice-bound token → 200; the certificate header never reaches the upstream", async () => {
    const before = s.echo.requests.length;
    const res = await viaNginx("/url", s.pki.clients.alice, aliceToken);
    assert.equal(res.status, 200, res.text);
    assert.equal(s.echo.requests.length, before + 1);
    const seen = s.echo.requests.at(-1)!.headers;
    assert.equal(seen[CERT_HEADER], undefined);
    assert.equal(seen["authorization"], `Bearer ${aliceToken}`);
  });

  it("nginx + bob's certificate + alice-bound token → 401 mismatch, nothing upstream", async () => {
    const before = s.echo.requests.length;
    refusedWith(await viaNginx("/url", s.pki.clients.bob, aliceToken), MISMATCH);
    assert.equal(s.echo.requests.length, before);
  });

  it("no client certificate at nginx (and the client's own header removed by nginx) → 401 not specified", async () => {
    refusedWith(await viaNginx("/url", undefined, aliceToken, { [CERT_HEADER]: escapedPem(s.pki.clients.alice.cert) }), NO_CERT);
  });

  it("the stolen token with alice's certificate in the header, straight from an untrusted address → refused, nothing upstream", async () => {
    const before = s.echo.requests.length;
    const headers = { authorization: `Bearer ${aliceToken}`, [CERT_HEADER]: escapedPem(s.pki.clients.alice.cert) };
    const res = await direct(s.tether.httpPort, "/url", headers, "127.0.0.2");
    assert.equal(res.status, 401, res.body);
    assert.equal(res.headers["www-authenticate"], `Bearer realm="localhost", error="invalid_token", error_description="${NO_CERT}"`);
    assert.equal(s.echo.requests.length, before);
    // With secure_source off the same request is believed: the refusal above is the trusted_ips rule.
    const open = await direct(s.tether.httpPort, "/open", headers, "127.0.0.2");
    assert.equal(open.status, 200, open.body);
    assert.equal(s.echo.requests.at(-1)!.headers[CERT_HEADER], undefined);
  });

  it("a certificate from a CA that is not listed → 401, although the token is bound to it", async () => {
    const before = s.echo.requests.length;
    refusedWith(await viaNginx("/url", s.pki.clients.mallory, malloryToken), NO_CERT);
    assert.equal(s.echo.requests.length, before);
  });

  it("garbage in the header from the trusted terminator → 401, never 500", async () => {
    for (const value of ["garbage", "%ZZ", escapedPem(s.pki.clients.alice.cert).slice(0, 300), encodeURIComponent(s.pki.clients.alice.cert + s.pki.clients.bob.cert)]) {
      const res = await direct(s.tether.httpPort, "/url", { authorization: `Bearer ${aliceToken}`, [CERT_HEADER]: value }, "127.0.0.1");
      assert.equal(res.status, 401, value);
      assert.match(String(res.headers["www-authenticate"]), /client certificate was not specified/);
    }
  });

  it("XFCC through nginx: an element the client injected (alice's certificate) loses to nginx's own (bob's)", async () => {
    const injected = `By=spiffe://forged;Cert="${escapedPem(s.pki.clients.alice.cert)}"`;
    const before = s.echo.requests.length;
    refusedWith(await viaNginx("/xfcc", s.pki.clients.bob, aliceToken, { [XFCC]: injected }), MISMATCH);
    assert.equal(s.echo.requests.length, before);
    const ok = await viaNginx("/xfcc", s.pki.clients.alice, aliceToken, { [XFCC]: `By=spiffe://forged;Cert="${escapedPem(s.pki.clients.bob.cert)}"` });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(s.echo.requests.at(-1)!.headers[XFCC], undefined);
  });

  it("RFC 9440 Client-Cert (+ Client-Cert-Chain) from a Node terminator: alice → 200, bob → 401; neither header reaches the upstream", async () => {
    const ok = await tlsRequest({ port: node.port, path: "/rfc9440", headers: { authorization: `Bearer ${aliceToken}` }, cert: s.pki.clients.alice });
    assert.equal(ok.status, 200, ok.text);
    const seen = s.echo.requests.at(-1)!.headers;
    assert.equal(seen["client-cert"], undefined);
    assert.equal(seen["client-cert-chain"], undefined);
    refusedWith(await tlsRequest({ port: node.port, path: "/rfc9440", headers: { authorization: `Bearer ${aliceToken}` }, cert: s.pki.clients.bob }), MISMATCH);
  });

  it("base64_encoded DER from a Node terminator: alice → 200, bob → 401", async () => {
    const ok = await tlsRequest({ port: node.port, path: "/b64", headers: { authorization: `Bearer ${aliceToken}` }, cert: s.pki.clients.alice });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(s.echo.requests.at(-1)!.headers[DER_HEADER], undefined);
    refusedWith(await tlsRequest({ port: node.port, path: "/b64", headers: { authorization: `Bearer ${aliceToken}` }, cert: s.pki.clients.bob }), MISMATCH);
  });

  it("Admin API: Kong's schema violations for the record", async () => {
    const post = (record: Record<string, unknown>) =>
      adminJson(s.tether, "POST", "/plugins", { name: "openid-connect", enabled: false, config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict", proof_of_possession_mtls_from_header: record } });
    const missing = await post({ ca_certificates: [caId] });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.fields, { config: { proof_of_possession_mtls_from_header: { certificate_header_name: "required field missing" } } });
    const noCas = await post({ certificate_header_name: "x" });
    assert.equal(noCas.status, 400);
    assert.deepEqual(noCas.body.fields, { config: { proof_of_possession_mtls_from_header: { ca_certificates: "required field missing" } } });
    const format = await post({ certificate_header_name: "x", ca_certificates: [caId], certificate_header_format: "pem" });
    assert.equal(format.status, 400);
    assert.ok(format.body.fields.config.proof_of_possession_mtls_from_header.certificate_header_format, JSON.stringify(format.body));
    const pair = await post({ certificate_header_name: "x", ca_certificates: [caId], http_proxy_host: "proxy.test" });
    assert.equal(pair.status, 400);
    assert.deepEqual(pair.body.fields, { config: { proof_of_possession_mtls_from_header: { "@entity": ["all or none of these fields must be set: 'http_proxy_host', 'http_proxy_port'"] } } });
    const ok = await post({ certificate_header_name: "x", ca_certificates: [caId] });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.config.proof_of_possession_mtls_from_header, {
      certificate_header_name: "x",
      certificate_header_format: "url_encoded",
      ca_certificates: [caId],
      secure_source: true,
      allow_partial_chain: false,
      revocation_check_mode: "IGNORE_CA_ERROR",
      ssl_verify: true,
      cert_cache_ttl: 60000,
      http_timeout: 30000,
      http_proxy_host: null,
      http_proxy_port: null,
      https_proxy_host: null,
      https_proxy_port: null,
    });
    await adminJson(s.tether, "DELETE", `/plugins/${ok.body.id}`);
  });
});
