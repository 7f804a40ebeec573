import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tokenCacheExpiry, tokenCacheKey } from "./cache-keys.ts";
import { basicCredentials, bodyPair } from "./grant-credentials.ts";
import { grantScope, tokenAuthMethod } from "./grants.ts";

describe("grant credentials", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  it("Basic: one header, a colon, the password may hold colons", () => {
    assert.deepEqual(basicCredentials(["Authorization", `Basic ${b64("u:p:q")}`]), ["u", "p:q"]);
    assert.deepEqual(basicCredentials(["authorization", `bAsIc ${b64("u:p")}`]), ["u", "p"]);
    assert.equal(basicCredentials(["Authorization", `Basic ${b64("nocolon")}`]), undefined);
    assert.equal(basicCredentials(["Authorization", `Basic ${b64(":p")}`]), undefined);
    assert.equal(basicCredentials(["Authorization", `Basic ${b64("u:p")}`, "Authorization", `Basic ${b64("v:q")}`]), undefined);
    assert.equal(basicCredentials(["Authorization", "Bearer x"]), undefined);
  });
  it("body: both fields once, as strings", () => {
    const form = (s: string) => ({ kind: "form" as const, bytes: Buffer.from(s) });
    assert.deepEqual(bodyPair(form("username=a&password=b"), ["username", "password"]), ["a", "b"]);
    assert.equal(bodyPair(form("username=a&password=b&password=c"), ["username", "password"]), undefined);
    assert.equal(bodyPair({ kind: "json", bytes: Buffer.from('{"username":"a","password":1}') }, ["username", "password"]), undefined);
    assert.deepEqual(bodyPair({ kind: "json", bytes: Buffer.from('{"username":"a","password":"b"}') }, ["username", "password"]), ["a", "b"]);
  });
});

describe("grant requests", () => {
  it("scope: openid only for the password grant", () => {
    assert.equal(grantScope(["openid"], "client_credentials"), undefined);
    assert.equal(grantScope(["openid", "read"], "client_credentials"), "read");
    assert.equal(grantScope(["openid"], "password"), "openid");
  });
  it("token endpoint auth: configured, else client_auth, else basic with a secret", () => {
    assert.equal(tokenAuthMethod({ token_endpoint_auth_method: "client_secret_post", client_auth: null }, "s", "password"), "client_secret_post");
    assert.equal(tokenAuthMethod({ token_endpoint_auth_method: null, client_auth: ["none"] }, "s", "password"), "none");
    assert.equal(tokenAuthMethod({ token_endpoint_auth_method: null, client_auth: null }, "s", "password"), "client_secret_basic");
    assert.equal(tokenAuthMethod({ token_endpoint_auth_method: null, client_auth: null }, undefined, "password"), "none");
  });
  it("token endpoint auth: the gateway's certificate and key serve its own client, not the caller's client_credentials", () => {
    for (const method of ["tls_client_auth", "self_signed_tls_client_auth", "private_key_jwt"] as const) {
      assert.equal(tokenAuthMethod({ token_endpoint_auth_method: method, client_auth: null }, "s", "password"), method);
      assert.equal(tokenAuthMethod({ token_endpoint_auth_method: null, client_auth: [method] }, "s", "client_credentials"), "client_secret_basic");
    }
    assert.equal(tokenAuthMethod({ token_endpoint_auth_method: "client_secret_post", client_auth: null }, "s", "client_credentials"), "client_secret_post");
  });
  it("token cache key: salted, holds no credential, differs per password and salt", () => {
    const inputs = { endpoint: "https://idp/token", grant: "password", clientId: "c", credentials: ["alice", "s3cret-password"] as const, extras: [] };
    const key = tokenCacheKey("salt", inputs);
    assert.ok(!key.includes("s3cret") && !key.includes("alice"));
    assert.equal(key, tokenCacheKey("salt", inputs));
    assert.notEqual(key, tokenCacheKey("salt2", inputs));
    assert.notEqual(key, tokenCacheKey("salt", { ...inputs, credentials: ["alice", "other"] }));
  });
  it("token cache expiry: expires_in, else cache_ttl, capped by cache_ttl_max", () => {
    assert.equal(tokenCacheExpiry(60, 3600, null, 0), 60_000);
    assert.equal(tokenCacheExpiry(undefined, 3600, null, 0), 3_600_000);
    assert.equal(tokenCacheExpiry(600, 3600, 30, 0), 30_000);
  });
});
