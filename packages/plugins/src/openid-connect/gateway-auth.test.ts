import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import type { Certificate, ConfigView, PluginInstance } from "@tether/core";
import type * as oidc from "openid-client";
import { gatewayJwks } from "./admin-api.ts";
import { publicJwk, signingJwk } from "./client-jwk.ts";
import { GatewayAuth } from "./gateway-auth.ts";
import { checkConfig, PRIVATE_KEY_JWT_MESSAGE, type OpenIdConnectConfig, type OpenIdConnectJwk } from "./schema.ts";

const rsa = (kid: string): OpenIdConnectJwk => ({ ...(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) as OpenIdConnectJwk), kid });
const metadata = { issuer: "https://idp", introspection_endpoint: "https://idp/introspect" } as oidc.ServerMetadata;
const CERT_ID = "5b1f4d0e-8f0a-4c55-9b77-0a8c0e1d2f33";

function view(certificates: Record<string, Pick<Certificate, "cert" | "key">>): ConfigView {
  return {
    consumer: () => undefined,
    caCertificate: () => undefined,
    certificate: (id) => certificates[id] as Certificate | undefined,
    mtlsCredentials: () => [],
    keySet: () => undefined,
  };
}

function env() {
  const made: { cert: string; verify: boolean }[] = [];
  return {
    made,
    clientCertificateFetch: (credentials: { cert: string; key: string }, verify: boolean) => {
      made.push({ cert: credentials.cert, verify });
      return fetch;
    },
  };
}

const tlsConfig = { tls_client_auth_cert_id: CERT_ID, tls_client_auth_ssl_verify: true } as OpenIdConnectConfig;

describe("client_jwk", () => {
  it("public half: only public members, none of RSA's private ones; symmetric keys have none", () => {
    const key = { ...rsa("k1"), alg: "RS256", use: "sig", issuer: "https://idp" };
    assert.deepEqual(Object.keys(publicJwk(key)!).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
    assert.equal(publicJwk({ kty: "oct", k: "c2VjcmV0" }), undefined);
  });
  it("signing key: the first with a private part; client_alg[0] unless HS*, else its alg, else its type's", () => {
    const pub = publicJwk(rsa("public-only"))!;
    const priv = rsa("private");
    assert.equal(signingJwk({ client_jwk: [pub, priv], client_alg: null })?.jwk.kid, "private");
    assert.equal(signingJwk({ client_jwk: [priv], client_alg: null })?.alg, "RS256");
    assert.equal(signingJwk({ client_jwk: [{ ...priv, alg: "PS384" }], client_alg: null })?.alg, "PS384");
    assert.equal(signingJwk({ client_jwk: [priv], client_alg: ["PS256"] })?.alg, "PS256");
    assert.equal(signingJwk({ client_jwk: [priv], client_alg: ["HS256"] })?.alg, "RS256");
    assert.equal(signingJwk({ client_jwk: [{ kty: "EC", crv: "P-384", d: "x" }], client_alg: null })?.alg, "ES384");
    assert.equal(signingJwk({ client_jwk: [pub], client_alg: null }), undefined);
  });
  it("GET /openid-connect/jwks body: public keys of every openid-connect instance, once each", () => {
    const k = rsa("shared");
    const plugin = (name: string, client_jwk: OpenIdConnectJwk[] | null) => ({ name, config: { client_jwk } }) as unknown as PluginInstance;
    const body = gatewayJwks([plugin("openid-connect", [k]), plugin("openid-connect", [k]), plugin("openid-connect", null), plugin("jwt-signer", [rsa("other")])]);
    assert.deepEqual(body, { keys: [publicJwk(k)] });
    assert.ok(!JSON.stringify(body).includes(String(k.d)));
  });
  it("config check: private_key_jwt needs a private key in client_jwk", () => {
    const base = { issuer: "https://idp", auth_methods: ["introspection"], proof_of_possession_auth_methods_validation: true } as OpenIdConnectConfig;
    assert.equal(checkConfig({ ...base, client_auth: ["private_key_jwt"] }), PRIVATE_KEY_JWT_MESSAGE);
    assert.equal(checkConfig({ ...base, token_endpoint_auth_method: "private_key_jwt", client_jwk: [publicJwk(rsa("p"))!] }), PRIVATE_KEY_JWT_MESSAGE);
    assert.equal(checkConfig({ ...base, client_auth: ["private_key_jwt"], client_jwk: [rsa("p")] }), undefined);
  });
});

describe("GatewayAuth", () => {
  it("tls_client_auth: one mutual-TLS fetch per snapshot and certificate, shared by the instances of that snapshot", async () => {
    const snapshot = view({ [CERT_ID]: { cert: "CERT", key: "KEY" } });
    const host = env();
    for (const instance of [new GatewayAuth(tlsConfig, snapshot, host, fetch), new GatewayAuth(tlsConfig, snapshot, host, fetch)]) {
      const prepared = await instance.prepare("introspection", "tls_client_auth", metadata, undefined);
      assert.equal(prepared.ok, true);
      await instance.prepare("introspection", "self_signed_tls_client_auth", metadata, undefined);
    }
    assert.deepEqual(host.made, [{ cert: "CERT", verify: true }]);
    // A new snapshot (a new view) makes its own, with tls_client_auth_ssl_verify as configured.
    await new GatewayAuth({ ...tlsConfig, tls_client_auth_ssl_verify: false }, view({ [CERT_ID]: { cert: "CERT2", key: "KEY2" } }), host, fetch).prepare("token", "tls_client_auth", { ...metadata, token_endpoint: "https://idp/token" }, undefined);
    assert.deepEqual(host.made.at(-1), { cert: "CERT2", verify: false });
  });
  it("a certificate id that names no Certificate: the reason names the id, and nothing is built", async () => {
    const host = env();
    const prepared = await new GatewayAuth(tlsConfig, view({}), host, fetch).prepare("introspection", "tls_client_auth", metadata, undefined);
    assert.equal(prepared.ok, false);
    assert.match(!prepared.ok ? prepared.reason : "", new RegExp(CERT_ID));
    assert.equal(host.made.length, 0);
  });
  it("private_key_jwt: signs with client_jwk; without a private key, a reason (500), never the key", async () => {
    const config = { client_jwk: [rsa("k")], client_alg: null } as unknown as OpenIdConnectConfig;
    assert.equal((await new GatewayAuth(config, view({}), env(), fetch).prepare("introspection", "private_key_jwt", metadata, undefined)).ok, true);
    const broken = { client_jwk: [{ kty: "RSA", d: "AAAA", n: "AQAB", e: "AQAB" }], client_alg: null } as unknown as OpenIdConnectConfig;
    const prepared = await new GatewayAuth(broken, view({}), env(), fetch).prepare("introspection", "private_key_jwt", metadata, undefined);
    assert.equal(prepared.ok, false);
    assert.ok(!prepared.ok && !prepared.reason.includes("AAAA"));
  });
  it("no endpoint: the kind of endpoint that is missing", async () => {
    const prepared = await new GatewayAuth(tlsConfig, view({}), env(), fetch).prepare("token", "client_secret_basic", metadata, "s");
    assert.deepEqual(prepared, { ok: false, reason: "token endpoint was not specified" });
  });
});
