import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as oidc from "openid-client";
import { clientEndpoint } from "./idp-endpoints.ts";
import { isTrustFailure } from "./idp-requests.ts";

const metadata = {
  issuer: "https://idp",
  token_endpoint: "https://idp/token",
  introspection_endpoint: "https://idp/introspect",
  mtls_endpoint_aliases: { token_endpoint: "https://mtls.idp/token", introspection_endpoint: "https://mtls.idp/introspect" },
} as oidc.ServerMetadata;
const none = { token_endpoint: null, introspection_endpoint: null, mtls_token_endpoint: null, mtls_introspection_endpoint: null };

describe("which IdP endpoint the gateway calls", () => {
  it("TLS client auth: the discovered mTLS alias (RFC 8705 §5), overridden by mtls_<kind>_endpoint", () => {
    for (const method of ["tls_client_auth", "self_signed_tls_client_auth"] as const) {
      assert.equal(clientEndpoint("introspection", method, none, metadata), "https://mtls.idp/introspect");
      assert.equal(clientEndpoint("token", method, none, metadata), "https://mtls.idp/token");
      assert.equal(clientEndpoint("token", method, { ...none, mtls_token_endpoint: "https://mine/token" }, metadata), "https://mine/token");
    }
  });
  it("TLS client auth without an alias: the plain endpoint (configured, else discovered)", () => {
    const plain = { ...metadata, mtls_endpoint_aliases: undefined } as oidc.ServerMetadata;
    assert.equal(clientEndpoint("introspection", "tls_client_auth", none, plain), "https://idp/introspect");
    assert.equal(clientEndpoint("introspection", "tls_client_auth", { ...none, introspection_endpoint: "https://conf/i" }, plain), "https://conf/i");
  });
  it("other methods: the configured endpoint, else the discovered one; aliases and mtls_* are not used", () => {
    const conf = { ...none, mtls_introspection_endpoint: "https://mine/i" };
    assert.equal(clientEndpoint("introspection", "client_secret_basic", conf, metadata), "https://idp/introspect");
    assert.equal(clientEndpoint("introspection", "private_key_jwt", { ...conf, introspection_endpoint: "https://conf/i" }, metadata), "https://conf/i");
    assert.equal(clientEndpoint("token", "none", none, { issuer: "https://idp" }), undefined);
  });
});

describe("IdP failures the operator must fix", () => {
  it("an untrusted or misnamed IdP certificate, however deep fetch wraps it, is a trust failure", () => {
    const tls = Object.assign(new Error("self-signed certificate in certificate chain"), { code: "SELF_SIGNED_CERT_IN_CHAIN" });
    assert.equal(isTrustFailure(new TypeError("fetch failed", { cause: tls })), true);
    assert.equal(isTrustFailure(new Error("wrapped", { cause: new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" }) }) })), true);
  });
  it("a refused connection or an IdP error answer is not", () => {
    assert.equal(isTrustFailure(new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) })), false);
    assert.equal(isTrustFailure(new Error("invalid_client")), false);
    assert.equal(isTrustFailure("nonsense"), false);
  });
});
