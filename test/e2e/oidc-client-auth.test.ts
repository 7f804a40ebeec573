// The gateway authenticates itself to the IdP (Kong 3.6 openid-connect, reference 3.13): mutual
// TLS with a Certificate entity (tls_client_auth, self_signed_tls_client_auth, RFC 8705 §2) to
// the IdP's mTLS endpoint aliases (§5), and private_key_jwt with client_jwk; the gateway's
// public keys at /openid-connect/jwks; Kong's validation of incomplete configurations; and
// tls_client_auth_ssl_verify against an IdP whose CA the node does not trust.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { importJWK, jwtVerify, type JWK } from "jose";
import { GATEWAY_CLIENTS, OPAQUE_RESOURCE, USERS } from "../fixtures/idp/index.ts";
import { gatewayCredentials, publicJwk } from "../fixtures/pki/gateway.ts";
import type { Pem } from "../fixtures/pki/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const CHALLENGE = 'Bearer realm="localhost", error="invalid_token"';
const UNEXPECTED = { message: "An unexpected error occurred" };
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "r", "t"];

async function addCertificate(s: Scenario, pem: Pick<Pem, "cert" | "key">): Promise<string> {
  const res = await adminJson(s.tether, "POST", "/certificates", { cert: pem.cert, key: pem.key });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** An opaque (introspection-only) token issued to an ordinary client, and a call with it. */
function caller(s: Scenario) {
  const token = () => s.token({ bound: false, resource: OPAQUE_RESOURCE });
  const call = async (path: string, headers: Record<string, string> = {}) => {
    const before = s.echo.requests.length;
    const res = await tlsRequest({ port: s.tether.httpsPort, path, headers });
    return { ...res, upstream: s.echo.requests.length - before };
  };
  return { token, call, bearer: async (path: string) => call(path, { authorization: `Bearer ${await token()}` }) };
}

describe("openid-connect: the gateway authenticates itself to the IdP", () => {
  let s: Scenario;
  let c: ReturnType<typeof caller>;
  let missingCertificate: string;
  const introspecting = (client: string, extra: Record<string, unknown>) => ({
    auth_methods: ["introspection"],
    client_id: [client],
    cache_introspection: false,
    ...extra,
  });

  before(async () => {
    s = await startScenario();
    c = caller(s);
    const gateway = gatewayCredentials(s.pki);
    const alice = await addCertificate(s, s.pki.clients.alice);
    const bob = await addCertificate(s, s.pki.clients.bob);
    const selfSigned = await addCertificate(s, gateway.selfSigned);
    missingCertificate = randomUUID();
    const mtls = (cert: string, extra: Record<string, unknown> = {}) =>
      introspecting(GATEWAY_CLIENTS.mtls, { introspection_endpoint_auth_method: "tls_client_auth", tls_client_auth_cert_id: cert, ...extra });
    await s.protect("/mtls", mtls(alice));
    await s.protect("/mtls-wrong-certificate", mtls(bob));
    await s.protect("/mtls-missing-certificate", mtls(missingCertificate));
    await s.protect("/mtls-explicit-endpoint", mtls(alice, { mtls_introspection_endpoint: `${s.idp.issuer}/token/introspection` }));
    // client_auth (not only the per-endpoint method) selects TLS client authentication too.
    await s.protect("/self-signed", introspecting(GATEWAY_CLIENTS.selfSigned, { client_auth: ["self_signed_tls_client_auth"], tls_client_auth_cert_id: selfSigned }));
    await s.protect("/self-signed-unregistered", introspecting(GATEWAY_CLIENTS.selfSigned, { client_auth: ["self_signed_tls_client_auth"], tls_client_auth_cert_id: alice }));
    await s.protect("/private-key-jwt", introspecting(GATEWAY_CLIENTS.privateKeyJwt, { introspection_endpoint_auth_method: "private_key_jwt", client_jwk: [gateway.jwk] }));
    await s.protect("/password-mtls", {
      auth_methods: ["password"],
      client_id: [GATEWAY_CLIENTS.mtls],
      token_endpoint_auth_method: "tls_client_auth",
      tls_client_auth_cert_id: alice,
      cache_tokens: false,
    });
    await untilRouted(s.tether, "/password-mtls");
  });
  after(() => s.stop());

  it("tls_client_auth: introspection over mutual TLS with the Certificate entity, at the discovered mTLS alias → 200", async () => {
    const aliased = s.idp.calls["/mtls/token/introspection"] ?? 0;
    const res = await c.bearer("/mtls");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.upstream, 1);
    assert.equal(s.idp.calls["/mtls/token/introspection"], aliased + 1);
    const form = s.idp.forms.at(-1)!;
    // RFC 8705 §2: the body names the client; the certificate is the credential.
    assert.equal(form.get("client_id"), GATEWAY_CLIENTS.mtls);
    assert.equal(form.get("client_secret"), null);
    assert.equal(form.get("client_assertion"), null);
  });

  it("tls_client_auth with another client's certificate: the IdP refuses the gateway → 401, nothing upstream", async () => {
    const res = await c.bearer("/mtls-wrong-certificate");
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
    assert.equal(res.upstream, 0);
    // The IdP's own error code is in the log, for the operator.
    await waitFor(async () => s.tether.logs.some((l) => l.msg === "openid-connect: introspection failed" && /^invalid_client/.test(String(l["error"]))), 2_000);
  });

  it("a tls_client_auth_cert_id that names no Certificate → 500, the id in the error log, nothing upstream", async () => {
    const res = await c.bearer("/mtls-missing-certificate");
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, UNEXPECTED);
    assert.equal(res.upstream, 0);
    await waitFor(async () => s.tether.logs.some((l) => l.level === "error" && String(l["reason"]).includes(missingCertificate)), 2_000);
  });

  it("mtls_introspection_endpoint overrides the discovered alias", async () => {
    const [aliased, plain] = [s.idp.calls["/mtls/token/introspection"] ?? 0, s.idp.calls["/token/introspection"] ?? 0];
    assert.equal((await c.bearer("/mtls-explicit-endpoint")).status, 200);
    assert.deepEqual([s.idp.calls["/mtls/token/introspection"] ?? 0, s.idp.calls["/token/introspection"]], [aliased, plain + 1]);
  });

  it("self_signed_tls_client_auth: the registered self-signed certificate → 200; a certificate not in the client's jwks → 401", async () => {
    assert.equal((await c.bearer("/self-signed")).status, 200);
    const refused = await c.bearer("/self-signed-unregistered");
    assert.equal(refused.status, 401);
    assert.equal(refused.upstream, 0);
  });

  it("private_key_jwt: the IdP receives an assertion signed with client_jwk's key (iss = sub = client, aud = issuer) → 200", async () => {
    const res = await c.bearer("/private-key-jwt");
    assert.equal(res.status, 200, res.text);
    const form = s.idp.forms.at(-1)!;
    assert.equal(form.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert.equal(form.get("client_secret"), null);
    const key = await importJWK(publicJwk(gatewayCredentials(s.pki).jwk) as JWK, "RS256");
    const { payload, protectedHeader } = await jwtVerify(form.get("client_assertion")!, key, { issuer: GATEWAY_CLIENTS.privateKeyJwt, subject: GATEWAY_CLIENTS.privateKeyJwt });
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(protectedHeader.kid, "tether-gateway-rs256");
    assert.ok([payload.aud].flat().includes(s.idp.issuer));
  });

  it("the password grant authenticates the gateway's client with tls_client_auth at the token endpoint's alias", async () => {
    const before = s.idp.calls["/mtls/token"] ?? 0;
    const basic = Buffer.from(`alice:${USERS["alice"]}`).toString("base64");
    const res = await c.call("/password-mtls", { authorization: `Basic ${basic}` });
    assert.equal(res.status, 200, res.text);
    assert.match(String(s.echo.requests.at(-1)!.headers["authorization"]), /^Bearer .+/);
    assert.equal(s.idp.calls["/mtls/token"], before + 1);
  });

  it("GET /openid-connect/jwks: the public half of client_jwk, never a private member; the plugin shows its config as stored (as Kong)", async () => {
    const jwks = await adminJson(s.tether, "GET", "/openid-connect/jwks");
    assert.equal(jwks.status, 200);
    const { jwk } = gatewayCredentials(s.pki);
    assert.deepEqual(jwks.body, { keys: [{ kty: "RSA", kid: jwk.kid, alg: "RS256", use: "sig", n: jwk.n, e: jwk.e }] });
    const published = jwks.body.keys[0] as Record<string, unknown>;
    for (const member of PRIVATE_MEMBERS) assert.ok(!(member in published), member);
    const plugins = await adminJson(s.tether, "GET", "/plugins");
    const stored = plugins.body.data.find((p: { config: { client_jwk?: { kid: string }[] | null } }) => p.config.client_jwk?.[0]?.kid === jwk.kid);
    assert.equal(stored.config.client_jwk[0].d, jwk.d);
  });

  it("no log line carries the private key or the certificate key", () => {
    const logged = JSON.stringify(s.tether.logs) + s.tether.stderr.join("\n");
    assert.ok(!logged.includes(String(gatewayCredentials(s.pki).jwk.d)));
    const keyBody = s.pki.clients.alice.key.split("\n").slice(1, 2).join("");
    assert.ok(!logged.includes(keyBody));
  });

  describe("incomplete configurations are refused (400, Kong's messages)", () => {
    const refused = async (config: Record<string, unknown>) => {
      const res = await adminJson(s.tether, "POST", "/plugins", { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["introspection"], ...config } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      return res.body;
    };

    it("tls_client_auth or self_signed_tls_client_auth without tls_client_auth_cert_id", async () => {
      const message = "tls_client_auth_cert_id is required when tls client auth is enabled";
      for (const config of [{ client_auth: ["tls_client_auth"] }, { introspection_endpoint_auth_method: "self_signed_tls_client_auth" }, { token_endpoint_auth_method: "tls_client_auth" }]) {
        const body = await refused(config);
        assert.deepEqual(body.fields, { config: message });
        assert.equal(body.message, `schema violation (config: ${message})`);
      }
    });

    it("tls_client_auth_cert_id that is not a UUID", async () => {
      const body = await refused({ client_auth: ["tls_client_auth"], tls_client_auth_cert_id: "not-a-uuid" });
      assert.deepEqual(body.fields, { config: { tls_client_auth_cert_id: "expected a valid UUID" } });
    });

    it("private_key_jwt without a private key in client_jwk (Tether generates no keys)", async () => {
      const message = "client_jwk with a private key is required when private_key_jwt is enabled";
      assert.deepEqual((await refused({ client_auth: ["private_key_jwt"] })).fields, { config: message });
      const onlyPublic = publicJwk(gatewayCredentials(s.pki).jwk);
      assert.deepEqual((await refused({ introspection_endpoint_auth_method: "private_key_jwt", client_jwk: [onlyPublic] })).fields, { config: message });
    });
  });
});

describe("openid-connect: tls_client_auth_ssl_verify, the IdP's CA not trusted by the node", () => {
  let s: Scenario;
  let c: ReturnType<typeof caller>;

  before(async () => {
    s = await startScenario({ env: { TETHER_TRUSTED_CERTIFICATE: "" } });
    c = caller(s);
    const alice = await addCertificate(s, s.pki.clients.alice);
    // Discovery without verification; the introspection connection is governed by tls_client_auth_ssl_verify.
    const config = (verify: boolean | undefined) => ({
      auth_methods: ["introspection"],
      ssl_verify: false,
      client_id: [GATEWAY_CLIENTS.mtls],
      introspection_endpoint_auth_method: "tls_client_auth",
      tls_client_auth_cert_id: alice,
      cache_introspection: false,
      ...(verify === undefined ? {} : { tls_client_auth_ssl_verify: verify }),
    });
    await s.protect("/verify-default", config(undefined));
    await s.protect("/no-verify", config(false));
    await untilRouted(s.tether, "/no-verify");
  });
  after(() => s.stop());

  it("tls_client_auth_ssl_verify defaults to true: the untrusted IdP is refused → 500, logged, nothing upstream", async () => {
    const res = await c.bearer("/verify-default");
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, UNEXPECTED);
    assert.equal(res.upstream, 0);
    await waitFor(async () => s.tether.logs.some((l) => l.msg === "openid-connect: introspection failed"), 2_000);
  });

  it("tls_client_auth_ssl_verify false: the same IdP is used → 200", async () => {
    const res = await c.bearer("/no-verify");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.upstream, 1);
  });
});
