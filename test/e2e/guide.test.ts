// Kong's "Certificate-Bound Access Tokens" guide, typed as a Kong user types it, with the real
// `http` CLI against the real gateway and a real IdP issuing certificate-bound tokens.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { thumbprint } from "../fixtures/pki/index.ts";
import { HTTPIE_SKIP, httpie } from "../helpers/clients.ts";
import { startScenario, type Scenario } from "../helpers/scenario.ts";

const PLUGIN_ID = "5f35b796-ced6-4c00-9b2a-90eef745f4f9";
const SECRET = "cf4c655a-0622-4ce6-a0de-d3353ef0b714";

describe("Kong's certificate-bound access tokens guide, with httpie", { skip: HTTPIE_SKIP }, () => {
  let s: Scenario;
  let admin: string;
  let proxy: string;
  let serviceId: string;
  let token: string;

  before(async () => {
    s = await startScenario();
    admin = `:${s.tether.adminPort}`;
    proxy = `https://localhost:${s.tether.httpsPort}`;
  });
  after(() => s.stop());

  it("creates the service and the route (prerequisites)", async () => {
    const svc = await httpie("-f", "post", `${admin}/services`, "name=openid-connect", `url=${s.echo.url}`);
    assert.equal(svc.status, 201);
    assert.equal(svc.body.name, "openid-connect");
    assert.equal(svc.body.host, "127.0.0.1");
    assert.equal(svc.body.port, s.echo.port);
    serviceId = svc.body.id;
    const route = await httpie("-f", "post", `${admin}/services/openid-connect/routes`, "name=oidc-route", "paths=/");
    assert.equal(route.status, 201);
    assert.deepEqual(route.body.paths, ["/"]);
    assert.deepEqual(route.body.service, { id: serviceId });
  });

  it("enables tls-handshake-modifier on the service: 201 with REQUEST", async () => {
    const res = await httpie("-f", "post", `${admin}/plugins`, "name=tls-handshake-modifier", "service.name=openid-connect");
    assert.equal(res.status, 201);
    assert.equal(res.body.name, "tls-handshake-modifier");
    assert.deepEqual(res.body.service, { id: serviceId });
    assert.deepEqual(res.body.config, { tls_client_certificate: "REQUEST" });
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
  });

  it("PUTs openid-connect with proof_of_possession_mtls=strict: 200, arrays coerced", async () => {
    const res = await httpie(
      "-f", "put", `${admin}/plugins/${PLUGIN_ID}`,
      "name=openid-connect",
      "service.name=openid-connect",
      `config.issuer=${s.idp.issuer}`,
      "config.client_id=cert-bound",
      `config.client_secret=${SECRET}`,
      "config.auth_methods=bearer",
      "config.proof_of_possession_mtls=strict",
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.id, PLUGIN_ID);
    assert.equal(res.body.name, "openid-connect");
    assert.deepEqual(res.body.service, { id: serviceId });
    assert.deepEqual(res.body.config.client_id, ["cert-bound"]);
    assert.deepEqual(res.body.config.client_secret, [SECRET]);
    assert.deepEqual(res.body.config.auth_methods, ["bearer"]);
    assert.equal(res.body.config.proof_of_possession_mtls, "strict");
    assert.equal(res.body.config.issuer, s.idp.issuer);
  });

  it("gets a certificate-bound token from the IdP with the client certificate", async () => {
    const alice = s.pki.clients.alice;
    const res = await httpie(
      `--verify=${s.pki.ca.certPath}`, "--cert", alice.certPath, "--cert-key", alice.keyPath,
      "-f", "post", `${s.idp.issuer}/token`,
      "client_id=cert-bound", `client_secret=${SECRET}`, "grant_type=client_credentials",
    );
    assert.equal(res.status, 200);
    token = res.body.access_token;
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
    assert.equal(payload.cnf["x5t#S256"], thumbprint(alice.cert));
  });

  it("lets the bound token through with the same certificate: 200 from the upstream", async () => {
    const alice = s.pki.clients.alice;
    const before = s.echo.requests.length;
    const res = await httpie("--verify=no", "--cert", alice.certPath, "--cert-key", alice.keyPath, "-f", "post", proxy, `Authorization:Bearer ${token}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.method, "POST");
    assert.equal(s.echo.requests.length, before + 1);
    assert.equal(s.echo.requests.at(-1)!.headers["authorization"], `Bearer ${token}`);
  });

  it("refuses the token with another certificate: 401, thumbprint mismatch", async () => {
    const bob = s.pki.clients.bob;
    const res = await httpie("--verify=no", "--cert", bob.certPath, "--cert-key", bob.keyPath, "-f", "post", proxy, `Authorization:Bearer ${token}`);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Unauthorized" });
    assert.equal(
      res.headers["www-authenticate"],
      'Bearer realm="localhost", error="invalid_token", error_description="the client certificate thumbprint does not match the x5t#S256 claim"',
    );
  });

  it("refuses the token without a certificate: 401, client certificate was not specified", async () => {
    const res = await httpie("--verify=no", "-f", "post", proxy, `Authorization:Bearer ${token}`);
    assert.equal(res.status, 401);
    assert.equal(
      res.headers["www-authenticate"],
      'Bearer realm="localhost", error="invalid_token", error_description="client certificate was not specified"',
    );
  });

  it("refuses a request with the certificate but no token: 401", async () => {
    const alice = s.pki.clients.alice;
    const before = s.echo.requests.length;
    const res = await httpie("--verify=no", "--cert", alice.certPath, "--cert-key", alice.keyPath, "-f", "post", proxy);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Unauthorized" });
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="localhost", error="invalid_token"');
    assert.equal(s.echo.requests.length, before, "nothing reached the upstream");
  });
});
