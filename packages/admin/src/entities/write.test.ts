import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KongError, pluginEntitySchema, serviceSchema, type PluginInstance, type Service } from "@tether/core";
import { bundledPlugins } from "@tether/plugins";
import { openSqliteStore, type SqliteStore } from "@tether/store";
import type { DecodedBody } from "../http/body.ts";
import { buildEntity, mergeRecords, type WriteContext } from "./write.ts";

const form = (value: Record<string, unknown>): DecodedBody => ({ kind: "form", value });
const json = (value: unknown): DecodedBody => ({ kind: "json", value });

/** The Kong error a write throws, as status and body. */
async function kongError(fn: () => Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof KongError, `not a KongError: ${String(error)}`);
    return { status: error.status, body: { ...error.body } };
  }
  assert.fail("expected a Kong error");
}

describe("mergeRecords (PATCH)", () => {
  const oidc = pluginEntitySchema(bundledPlugins.get("openid-connect")!);

  it("merges records field by field, replaces arrays and foreign references", () => {
    const base = {
      service: { id: "a" },
      config: { issuer: "https://i", leeway: 0, auth_methods: ["bearer", "session"], client_id: ["x"] },
    };
    const out = mergeRecords(base, { service: { id: "b" }, config: { leeway: 5, auth_methods: ["introspection"] } }, oidc);
    assert.deepEqual(out, {
      service: { id: "b" },
      config: { issuer: "https://i", leeway: 5, auth_methods: ["introspection"], client_id: ["x"] },
    });
    assert.deepEqual(base.config.auth_methods, ["bearer", "session"], "the stored entity is not mutated");
  });

  it("keeps prototype-named keys as plain fields for validation to refuse", () => {
    const patch = JSON.parse('{"__proto__": {"host": "evil"}, "constructor": {"x": 1}}') as Record<string, unknown>;
    const out = mergeRecords({ host: "h" }, patch, serviceSchema);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Object.hasOwn(out, "__proto__"));
    assert.deepEqual(out["constructor"], { x: 1 });
    assert.equal(out["host"], "h");
  });
});

describe("buildEntity", async () => {
  let store: SqliteStore;
  let ctx: WriteContext;
  before(async () => {
    store = await openSqliteStore(":memory:");
    ctx = { store, plugins: bundledPlugins };
  });
  after(() => store.close());

  it("creates with defaults and no write-only url", async () => {
    const svc = await buildEntity(ctx, "services", form({ name: "s", url: "https://h.example:8443/p", retries: "3" }), { mode: "create" }, undefined);
    assert.equal(svc.protocol, "https");
    assert.equal(svc.port, 8443);
    assert.equal(svc.path, "/p");
    assert.equal(svc.retries, 3);
    assert.equal(svc.tls_verify, null);
    assert.ok(!("url" in svc));
  });

  it("PATCH keeps the stored id even when the body names another", async () => {
    const stored = await store.daos.services.insert(await buildEntity(ctx, "services", json({ host: "h.example" }), { mode: "create" }, undefined));
    const other = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    const patched = await buildEntity(
      ctx,
      "services",
      json({ id: other, retries: 1 }),
      { mode: "merge", existing: stored as unknown as Record<string, unknown> },
      undefined,
    ) as Service;
    assert.equal(patched.id, stored.id);
    assert.equal(patched.retries, 1);
    assert.equal(patched.created_at, stored.created_at);
  });

  it("PUT: the URL's key wins over the body's", async () => {
    const svc = await buildEntity(
      ctx,
      "services",
      form({ name: "body-name", host: "h.example" }),
      { mode: "replace", existing: undefined, urlKey: { field: "name", value: "url-name" } },
      undefined,
    );
    assert.equal(svc.name, "url-name");
  });

  it("a form PATCH of a plugin is typed with the stored plugin's schema", async () => {
    const created = await buildEntity(
      ctx,
      "plugins",
      json({ name: "openid-connect", config: { issuer: "https://i.example", auth_methods: ["bearer"] } }),
      { mode: "create" },
      undefined,
    ) as PluginInstance;
    const patched = await buildEntity(
      ctx,
      "plugins",
      form({ config: { leeway: "5", auth_methods: "introspection" } }),
      { mode: "merge", existing: created as unknown as Record<string, unknown> },
      undefined,
    ) as PluginInstance;
    assert.equal(patched.config["leeway"], 5);
    assert.deepEqual(patched.config["auth_methods"], ["introspection"]);
    assert.equal(patched.config["issuer"], "https://i.example");
  });

  it("refuses prototype-named fields instead of storing them", async () => {
    const err = await kongError(() =>
      buildEntity(ctx, "services", json(JSON.parse('{"host":"h.example","__proto__":{"x":1}}')), { mode: "create" }, undefined),
    );
    assert.equal(err.status, 400);
    assert.equal(err.body["message"], "schema violation (__proto__: unknown field)");
  });

  it("the openid-connect PoP rule is reported on config, with Kong's message", async () => {
    const err = await kongError(() =>
      buildEntity(
        ctx,
        "plugins",
        form({ name: "openid-connect", config: { issuer: "https://i.example", proof_of_possession_mtls: "strict" } }),
        { mode: "create" },
        undefined,
      ),
    );
    assert.equal(err.status, 400);
    assert.match(String((err.body["fields"] as Record<string, unknown>)["config"]), /^mTLS-proof-of-possession or Demonstrating/);
  });
});
