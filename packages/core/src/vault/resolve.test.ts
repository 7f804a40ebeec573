import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RecordSchema } from "../schema/types.ts";
import { validateRecord } from "../schema/validate.ts";
import { resolveReference, resolveReferences, type SecretSources } from "./resolve.ts";
import { checkVault, type Vault } from "./vault-entity.ts";

const vault = (prefix: string, envPrefix: string | null): Vault => ({
  id: "6c2b3a47-8f6e-4f0a-9d1e-7a3c1b2d4e5f",
  created_at: 1,
  updated_at: 1,
  tags: null,
  prefix,
  name: "env",
  description: null,
  config: { prefix: envPrefix },
});

const sources: SecretSources = {
  vaults: [vault("app-env", "app_")],
  env: { OIDC_SECRET: "s3cr3t", APP_DB: '{"user":"u","password":"p","port":5432}', OTHER_DB: "o", X_PREVIOUS: "old" },
};

describe("resolveReference (env vault)", () => {
  it("reads the variable, through a vault entity's prefix and a query override", () => {
    assert.deepEqual(resolveReference("{vault://env/oidc-secret}", sources), { ok: true, value: "s3cr3t" });
    assert.deepEqual(resolveReference("{vault://app-env/db/password}", sources), { ok: true, value: "p" });
    assert.deepEqual(resolveReference("{vault://app-env/db?prefix=other_}", sources), { ok: true, value: "o" });
    assert.deepEqual(resolveReference("{vault://env/x#2}", sources), { ok: true, value: "old" });
  });

  it("takes the node's vault_env_prefix for env itself, under a query override, never for a vault entity", () => {
    const node = { ...sources, envPrefix: "APP_" };
    assert.deepEqual(resolveReference("{vault://env/db/user}", node), { ok: true, value: "u" });
    assert.deepEqual(resolveReference("{vault://env/oidc-secret}", node), { ok: false, error: "no value found" });
    assert.deepEqual(resolveReference("{vault://env/db?prefix=other_}", node), { ok: true, value: "o" });
    assert.deepEqual(resolveReference("{vault://app-env/db/password}", node), { ok: true, value: "p" });
  });

  it("says why it did not resolve, never quoting a value", () => {
    assert.deepEqual(resolveReference("{vault://env/missing}", sources), { ok: false, error: "no value found" });
    assert.deepEqual(resolveReference("{vault://nowhere/x}", sources), { ok: false, error: "could not find vault (nowhere)" });
    const port = resolveReference("{vault://app-env/db/port}", sources);
    assert.deepEqual(port, { ok: false, error: "could not get subfield value: unexpected number value in JSON secret for subfield port" });
    const notJson = resolveReference("{vault://env/oidc-secret/member}", sources);
    assert.ok(!notJson.ok);
    assert.doesNotMatch(notJson.error, /s3cr3t/);
  });
});

const schema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    endpoint: { type: "string", format: "uri", referenceable: true },
    secrets: { type: ["array", "null"], items: { type: "string", referenceable: true } },
    headers: { type: ["object", "null"], additionalProperties: { type: "string", referenceable: true } },
    method: { type: "string", enum: ["POST", "PUT"] },
    plain: { type: "string" },
  },
};

describe("references in referenceable fields", () => {
  it("are accepted in place of the field's own format, and only there", () => {
    assert.equal(validateRecord(schema, { endpoint: "{vault://env/url}", secrets: ["{vault://env/a}"], method: "POST" }), undefined);
    // Elsewhere a reference is a plain string, checked as the field is (Kong's rule).
    assert.deepEqual(validateRecord(schema, { method: "{vault://env/m}" }), { method: "expected one of: POST, PUT" });
    assert.equal(validateRecord(schema, { plain: "{vault://env/p}" }), undefined);
  });

  it("must parse as a reference", () => {
    assert.deepEqual(validateRecord(schema, { secrets: ["ok", "{vault://env}"] }), {
      secrets: [null, "reference url is missing path [{vault://env}]"],
    });
  });

  it("resolve into a copy, and what does not resolve becomes \"\" and is reported by field", () => {
    const config = {
      endpoint: "{vault://env/oidc-secret}",
      secrets: ["literal", "{vault://env/absent}"],
      headers: { a: "{vault://app-env/db/user}" },
      plain: "{vault://env/oidc-secret}",
    };
    const before = structuredClone(config);
    const { value, unresolved } = resolveReferences(schema, config, sources, "config");
    assert.deepEqual(value, { endpoint: "s3cr3t", secrets: ["literal", ""], headers: { a: "u" }, plain: "{vault://env/oidc-secret}" });
    assert.deepEqual(unresolved, [{ field: "config.secrets[1]", reference: "{vault://env/absent}", error: "no value found" }]);
    assert.deepEqual(config, before, "the stored config keeps its references");
  });
});

describe("checkVault", () => {
  it("refuses a vault name not installed and a prefix naming a vault", () => {
    assert.deepEqual(checkVault({ ...vault("env", null), name: "hcv" }), { prefix: "must not be one of: env", name: "vault 'hcv' is not installed" });
    assert.equal(checkVault(vault("app-env", null)), undefined);
  });
});
