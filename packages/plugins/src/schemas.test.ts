import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Ajv, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import type { RecordSchema } from "../../core/src/schema/types.ts";
import {
  checkConfig as checkOidcConfig,
  configSchema as oidcSchema,
  type OpenIdConnectConfig,
} from "./openid-connect/schema.ts";
import {
  checkConfig as checkMtlsConfig,
  configSchema as mtlsSchema,
  type MtlsAuthConfig,
} from "./mtls-auth/schema.ts";
import { configSchema as thmSchema, type TlsHandshakeModifierConfig } from "./tls-handshake-modifier/schema.ts";

/**
 * Number of rows of "Appendix A. openid-connect config fields (3.12.x schema ...)" in
 * /work/shared/kong/reference.md (one row per top-level config field).
 */
const APPENDIX_A_FIELD_COUNT = 224;

const POP_MESSAGE =
  "mTLS-proof-of-possession or Demonstrating Proof-of-Possession (DPoP) only supports 'bearer', " +
  "'introspection', 'session' auth methods when proof_of_possession_auth_methods_validation is set to true.";

const ALL_AUTH_METHODS = [
  "password",
  "client_credentials",
  "authorization_code",
  "bearer",
  "introspection",
  "userinfo",
  "kong_oauth2",
  "refresh_token",
  "session",
];

function compile(schema: RecordSchema) {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

const validateOidc = compile(oidcSchema);
const validateMtls = compile(mtlsSchema);
const validateThm = compile(thmSchema);

/** Validates (filling defaults) and returns the data; fails the test on errors. */
function valid<T>(validate: ReturnType<typeof compile>, input: Record<string, unknown>): T {
  const data = structuredClone(input);
  const ok = validate(data);
  assert.equal(ok, true, JSON.stringify(validate.errors));
  return data as T;
}

function errorsOf(validate: ReturnType<typeof compile>, input: Record<string, unknown>): ErrorObject[] {
  const ok = validate(structuredClone(input));
  assert.equal(ok, false, "expected validation to fail");
  return validate.errors ?? [];
}

describe("openid-connect config schema", () => {
  it("has every Appendix A field plus the post-3.12 extras", () => {
    const names = Object.keys(oidcSchema.properties);
    assert.ok(names.length >= APPENDIX_A_FIELD_COUNT, `${names.length} < ${APPENDIX_A_FIELD_COUNT}`);
    assert.ok(names.includes("bearer_token_header_name"));
    assert.ok(names.includes("consumer_claims"));
  });

  it("accepts a config with only issuer and fills Kong's defaults", () => {
    const config = valid<OpenIdConnectConfig>(validateOidc, { issuer: "https://x" });
    assert.deepEqual(config.auth_methods, ALL_AUTH_METHODS);
    assert.equal(config.proof_of_possession_mtls, "off");
    assert.equal(config.proof_of_possession_dpop, "off");
    assert.equal(config.proof_of_possession_auth_methods_validation, true);
    assert.equal(config.upstream_access_token_header, "authorization:bearer");
    assert.deepEqual(config.bearer_token_param_type, ["header", "query", "body"]);
    assert.deepEqual(config.scopes_claim, ["scope"]);
    assert.deepEqual(config.consumer_by, ["username", "custom_id"]);
    assert.equal(config.leeway, 0);
    assert.equal(config.http_version, 1.1);
    assert.equal(config.unauthorized_error_message, "Unauthorized");
    assert.equal(config.client_id, undefined);
    assert.equal(checkOidcConfig(config), undefined);
  });

  it("fills the redis records with Kong's defaults", () => {
    const config = valid<OpenIdConnectConfig>(validateOidc, { issuer: "https://x" });
    assert.deepEqual(config.redis, {
      host: "127.0.0.1",
      port: 6379,
      connect_timeout: 2000,
      send_timeout: 2000,
      read_timeout: 2000,
      database: 0,
      keepalive_pool_size: 256,
      ssl: false,
      ssl_verify: false,
      cluster_max_redirections: 5,
      connection_is_proxied: false,
    });
    assert.deepEqual(config.cluster_cache_redis, config.redis);

    const partial = valid<OpenIdConnectConfig>(validateOidc, {
      issuer: "https://x",
      redis: { host: "redis.test", prefix: "oidc" },
    });
    assert.equal(partial.redis.host, "redis.test");
    assert.equal(partial.redis.prefix, "oidc");
    assert.equal(partial.redis.port, 6379);
    assert.equal(partial.redis.read_timeout, 2000);
  });

  it("rejects a config without issuer on `required`", () => {
    const errors = errorsOf(validateOidc, {});
    assert.ok(
      errors.some((e) => e.keyword === "required" && e.params["missingProperty"] === "issuer"),
      JSON.stringify(errors),
    );
  });

  it("rejects an unknown proof_of_possession_mtls on `enum`", () => {
    const errors = errorsOf(validateOidc, { issuer: "https://x", proof_of_possession_mtls: "bogus" });
    assert.ok(
      errors.some((e) => e.keyword === "enum" && e.instancePath === "/proof_of_possession_mtls"),
      JSON.stringify(errors),
    );
  });

  it("rejects unknown fields and bad auth_methods items", () => {
    assert.ok(errorsOf(validateOidc, { issuer: "https://x", nope: 1 }).some((e) => e.keyword === "additionalProperties"));
    assert.ok(
      errorsOf(validateOidc, { issuer: "https://x", auth_methods: ["bearer", "magic"] }).some(
        (e) => e.keyword === "enum" && e.instancePath === "/auth_methods/1",
      ),
    );
    assert.ok(errorsOf(validateOidc, { issuer: "https://x", http_version: 2 }).some((e) => e.keyword === "enum"));
  });

  it("accepts explicit nulls on optional fields", () => {
    const config = valid<OpenIdConnectConfig>(validateOidc, {
      issuer: "https://x",
      upstream_access_token_header: null,
      proof_of_possession_mtls: null,
      client_secret: null,
    });
    assert.equal(config.upstream_access_token_header, null);
  });

  it("checkConfig rejects PoP with the default auth_methods", () => {
    const config = valid<OpenIdConnectConfig>(validateOidc, {
      issuer: "https://x",
      proof_of_possession_mtls: "strict",
    });
    assert.equal(checkOidcConfig(config), POP_MESSAGE);

    const dpop = valid<OpenIdConnectConfig>(validateOidc, { issuer: "https://x", proof_of_possession_dpop: "optional" });
    assert.equal(checkOidcConfig(dpop), POP_MESSAGE);
  });

  it("checkConfig accepts PoP with compatible auth_methods or without validation", () => {
    const bearerOnly = valid<OpenIdConnectConfig>(validateOidc, {
      issuer: "https://x",
      proof_of_possession_mtls: "strict",
      auth_methods: ["bearer"],
    });
    assert.equal(checkOidcConfig(bearerOnly), undefined);

    const noValidation = valid<OpenIdConnectConfig>(validateOidc, {
      issuer: "https://x",
      proof_of_possession_mtls: "strict",
      proof_of_possession_auth_methods_validation: false,
    });
    assert.equal(checkOidcConfig(noValidation), undefined);
  });

  it("checkConfig requires tls_client_auth_cert_id with tls client auth", () => {
    const config = valid<OpenIdConnectConfig>(validateOidc, {
      issuer: "https://x",
      client_auth: ["tls_client_auth"],
    });
    assert.equal(checkOidcConfig(config), "tls_client_auth_cert_id is required when tls client auth is enabled");
    config.tls_client_auth_cert_id = "0b1c8a2e-6c4f-4b39-9d7e-1f2a3b4c5d6e";
    assert.equal(checkOidcConfig(config), undefined);
  });
});

describe("mtls-auth config schema", () => {
  const CA_ID = "8e1a6f0c-2b4d-4c3e-9f5a-7d6b5c4a3b2e";

  it("requires ca_certificates", () => {
    const errors = errorsOf(validateMtls, {});
    assert.ok(
      errors.some((e) => e.keyword === "required" && e.params["missingProperty"] === "ca_certificates"),
      JSON.stringify(errors),
    );
    assert.ok(errorsOf(validateMtls, { ca_certificates: ["not-a-uuid"] }).some((e) => e.keyword === "format"));
  });

  it("fills Kong's defaults", () => {
    const config = valid<MtlsAuthConfig>(validateMtls, { ca_certificates: [CA_ID] });
    assert.equal(config.cache_ttl, 60);
    assert.equal(config.revocation_check_mode, "IGNORE_CA_ERROR");
    assert.deepEqual(config.consumer_by, ["username", "custom_id"]);
    assert.equal(config.skip_consumer_lookup, false);
    assert.equal(config.allow_partial_chain, false);
    assert.equal(config.authenticated_group_by, "CN");
    assert.equal(config.http_timeout, 30000);
    assert.equal(config.cert_cache_ttl, 60000);
    assert.equal(config.send_ca_dn, false);
    assert.equal(config.ssl_verify, true);
    assert.deepEqual(config.san_dirname_matcher, []);
    assert.equal(checkMtlsConfig(config), undefined);
  });

  it("checkConfig wants proxy host and port together", () => {
    const config = valid<MtlsAuthConfig>(validateMtls, { ca_certificates: [CA_ID], http_proxy_host: "proxy.test" });
    assert.equal(
      checkMtlsConfig(config),
      "all or none of these fields must be set: 'http_proxy_host', 'http_proxy_port'",
    );
  });
});

describe("tls-handshake-modifier config schema", () => {
  it("fills REQUEST", () => {
    const config = valid<TlsHandshakeModifierConfig>(validateThm, {});
    assert.equal(config.tls_client_certificate, "REQUEST");
  });

  it("rejects REQUIRE", () => {
    const errors = errorsOf(validateThm, { tls_client_certificate: "REQUIRE" });
    assert.ok(errors.some((e) => e.keyword === "enum"), JSON.stringify(errors));
  });
});
