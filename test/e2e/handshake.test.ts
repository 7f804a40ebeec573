// When the TLS listener asks for a client certificate: only under the SNIs a
// tls-handshake-modifier instance applies to (Kong's SNI map). Observed through PoP: a
// certificate that was never requested cannot be on the connection.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const NO_CERT = "client certificate was not specified";

describe("client certificate requested by SNI", () => {
  let s: Scenario;
  let token: string;
  const call = (servername: string, cert = s.pki.clients.alice, host = servername) =>
    tlsRequest({ port: s.tether.httpsPort, path: "/", servername, headers: { host, authorization: `Bearer ${token}` }, cert });

  before(async () => {
    s = await startScenario();
    const t = s.tether;
    await adminJson(t, "POST", "/services", { name: "svc", url: s.echo.url });
    // Route "mtls" carries tls-handshake-modifier and is only reachable under SNI mtls.tether.test.
    await adminJson(t, "POST", "/services/svc/routes", { name: "mtls", hosts: ["mtls.tether.test"], snis: ["mtls.tether.test"], protocols: ["https"] });
    // Route "plain" has PoP but no tls-handshake-modifier: nobody asks for the certificate there.
    await adminJson(t, "POST", "/services/svc/routes", { name: "plain", hosts: ["plain.tether.test"], snis: ["plain.tether.test"], protocols: ["https"] });
    const oidc = { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } };
    assert.equal((await adminJson(t, "POST", "/routes/mtls/plugins", { name: "tls-handshake-modifier" })).status, 201);
    assert.equal((await adminJson(t, "POST", "/routes/mtls/plugins", oidc)).status, 201);
    assert.equal((await adminJson(t, "POST", "/routes/plain/plugins", oidc)).status, 201);
    token = await s.token({ cert: s.pki.clients.alice });
    await waitFor(async () => (await call("mtls.tether.test")).status === 200);
    // The last write (the plugin on "plain") is live once a request without a certificate is refused there.
    await waitFor(async () => (await tlsRequest({ port: t.httpsPort, servername: "plain.tether.test", headers: { host: "plain.tether.test" } })).status === 401);
  });
  after(() => s.stop());

  it("asks under the SNI of a route with tls-handshake-modifier: the bound token passes", async () => {
    assert.equal((await call("mtls.tether.test")).status, 200);
  });

  it("does not ask under another SNI: the client's certificate never reaches the plugin", async () => {
    const res = await call("plain.tether.test");
    assert.equal(res.status, 401);
    assert.match(String(res.headers["www-authenticate"]), new RegExp(NO_CERT));
  });

  it("a route without snis under the plugin makes every handshake ask (Kong's `*` entry)", async () => {
    const route = await adminJson(s.tether, "POST", "/services/svc/routes", { name: "any", paths: ["/any"], protocols: ["https"] });
    assert.equal(route.status, 201);
    assert.equal((await adminJson(s.tether, "POST", "/routes/any/plugins", { name: "tls-handshake-modifier" })).status, 201);
    await waitFor(async () => (await call("plain.tether.test")).status === 200, 3_000);
    await adminJson(s.tether, "DELETE", "/routes/any/plugins/" + (await adminJson(s.tether, "GET", "/routes/any/plugins")).body.data[0].id);
    await adminJson(s.tether, "DELETE", "/routes/any");
    await waitFor(async () => (await call("plain.tether.test")).status === 401, 3_000);
  });

  it("never fails the handshake over the certificate: expired and untrusted ones reach the plugins", async () => {
    for (const cert of [s.pki.expiredClient, s.pki.clients.mallory]) {
      const res = await call("mtls.tether.test", cert);
      assert.equal(res.status, 401); // handshake completed; PoP refuses the mismatch
      assert.match(String(res.headers["www-authenticate"]), /does not match the x5t#S256 claim/);
    }
  });

  it("keeps the certificate for every request of a keep-alive connection", async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, cert: s.pki.clients.alice.cert, key: s.pki.clients.alice.key, rejectUnauthorized: false, servername: "mtls.tether.test" });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      const res = await new Promise<number>((resolve, reject) => {
        const req = https.request({ host: "127.0.0.1", port: s.tether.httpsPort, path: "/", agent, servername: "mtls.tether.test", headers: { host: "mtls.tether.test", authorization: `Bearer ${token}` } }, (r) => {
          sockets.add(r.socket);
          r.resume();
          r.on("end", () => resolve(r.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end();
      });
      assert.equal(res, 200);
    }
    assert.equal(sockets.size, 1, "all five requests used one connection");
    agent.destroy();
  });
});
