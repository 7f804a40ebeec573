import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isReference, parseReference } from "./reference.ts";
import { envVariableName } from "./env-vault.ts";

describe("isReference (Kong's is_reference)", () => {
  it("takes only strings between {vault:// and }", () => {
    assert.equal(isReference("{vault://env/x}"), true);
    for (const value of ["vault://env/x", "{vault:/env/x}", "{vault://env/x", "{VAULT://env/x}", 1, null])
      assert.equal(isReference(value), false, String(value));
  });
});

describe("parseReference (Kong's parse_reference)", () => {
  it("splits vault, resource, key, query config and version", () => {
    const parsed = parseReference("{vault://env/cert/key?prefix=SSL_#1}");
    assert.deepEqual(parsed, { ok: true, reference: { name: "env", resource: "cert", key: "key", config: { prefix: "SSL_" }, version: 1 } });
    assert.deepEqual(parseReference("{vault://my-env/a-b}"), {
      ok: true,
      reference: { name: "my-env", resource: "a-b", key: undefined, config: {}, version: undefined },
    });
  });

  it("keeps a trailing-slash path whole (a directory: no key)", () => {
    const parsed = parseReference("{vault://env/a/b/}");
    assert.ok(parsed.ok);
    assert.equal(parsed.reference.resource, "a/b");
    assert.equal(parsed.reference.key, undefined);
  });

  it("answers Kong's messages for malformed references", () => {
    const error = (value: string): string | undefined => {
      const parsed = parseReference(value);
      return parsed.ok ? undefined : parsed.error;
    };
    assert.equal(error("{vault:///x}"), "reference url is missing host [{vault:///x}]");
    assert.equal(error("{vault://env}"), "reference url is missing path [{vault://env}]");
    assert.equal(error("{vault://env/}"), "reference url has empty path [{vault://env/}]");
    assert.equal(error("{vault://env//}"), "reference url has invalid path [{vault://env//}]");
    assert.equal(error("{vault://env/x#two}"), "reference url has invalid version [{vault://env/x#two}]");
    assert.equal(error("nope"), "not a reference [nope]");
  });
});

describe("envVariableName (Kong's env vault)", () => {
  it("prepends the prefix, upper-cases and turns dashes to underscores", () => {
    assert.equal(envVariableName("oidc-secret", undefined, undefined), "OIDC_SECRET");
    assert.equal(envVariableName("secret", "my-app_", undefined), "MY_APP_SECRET");
  });
  it("reads <NAME>_PREVIOUS for version 2 only", () => {
    assert.equal(envVariableName("x", undefined, 2), "X_PREVIOUS");
    assert.equal(envVariableName("x", undefined, 1), "X");
  });
});
