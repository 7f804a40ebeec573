import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import type { WriteContext } from "@tether/admin";
import { bundledPlugins } from "@tether/plugins";
import type { Store } from "@tether/store";
import { backends } from "../../../../test/helpers/backends.ts";
import { formatErrors } from "./errors.ts";
import { toDocument, type Snapshot } from "./export.ts";
import { flattenDocument } from "./flatten.ts";
import { loadIntoStore } from "./load-into-store.ts";

const ISSUER = "https://idp.example/realms/r";

async function snapshotOf(store: Store): Promise<Snapshot> {
  const { version: _, ...snapshot } = await store.load();
  return snapshot;
}
for (const backend of backends()) describe(`loadIntoStore (${backend.name})`, () => {
  let store: Store;
  let ctx: WriteContext;
  const load = (doc: unknown, commit = true) => loadIntoStore(ctx, flattenDocument(doc), { commit });

  beforeEach(async () => {
    store = await backend.open();
    ctx = { store, plugins: bundledPlugins };
  });

  const config = {
    _format_version: "3.0",
    services: [
      {
        name: "orders",
        url: "https://orders.internal:8443/v1",
        routes: [{ name: "orders-api", paths: ["/orders"], protocols: ["https"] }],
        plugins: [{ name: "openid-connect", config: { issuer: ISSUER, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } }],
      },
    ],
    consumers: [{ username: "alice", custom_id: "A-1", mtls_auth_credentials: [{ subject_name: "alice@example.com" }] }],
    plugins: [{ name: "tls-handshake-modifier", service: "orders", route: "orders-api" }],
  };

  it("writes every entity through the Admin API's pipeline: defaults, shorthands, references", async () => {
    const outcome = await load(config);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(outcome.counts, { services: 1, routes: 1, consumers: 1, mtls_auth_credentials: 1, plugins: 2 });
    const svc = (await store.daos.services.getBy("name", "orders"))!;
    assert.deepEqual([svc.protocol, svc.host, svc.port, svc.path, svc.retries], ["https", "orders.internal", 8443, "/v1", 5]);
    const route = (await store.daos.routes.getBy("name", "orders-api"))!;
    assert.deepEqual(route.service, { id: svc.id });
    const plugins = (await store.daos.plugins.all());
    const tls = plugins.find((p) => p.name === "tls-handshake-modifier")!;
    assert.deepEqual([tls.service, tls.route, tls.protocols], [{ id: svc.id }, { id: route.id }, ["https", "grpcs"]]);
    const [cred] = (await store.daos.mtls_auth_credentials.all());
    assert.deepEqual(cred!.consumer, { id: (await store.daos.consumers.getBy("username", "alice"))!.id });
    assert.ok(!("updated_at" in cred!), "Kong's mtls_auth_credentials have no updated_at");
  });

  it("is idempotent: entries without ids get Kong's deterministic ids, so a second import updates them", async () => {
    assert.ok((await load(config)).ok);
    const first = (await snapshotOf(store));
    const version = (await store.version());
    assert.ok((await load(config)).ok);
    assert.deepEqual(
      (await snapshotOf(store)).services.map((s) => s.id),
      first.services.map((s) => s.id),
    );
    assert.equal((await store.daos.plugins.all()).length, 2);
    assert.ok((await store.version()) > version, "the proxy sees a new configuration version");
  });

  it("round-trips: export, import elsewhere, export again gives the same document", async () => {
    assert.ok((await load(config)).ok);
    const exported = toDocument((await snapshotOf(store)));
    const other = await backend.open();
    {
      const outcome = await loadIntoStore({ store: other, plugins: bundledPlugins }, flattenDocument(exported), { commit: true });
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.deepEqual(toDocument((await snapshotOf(other))), exported);
    }
  });

  it("all or nothing: one bad entry, even the last, and nothing is written", async () => {
    const version = (await store.version());
    const bad = {
      ...config,
      plugins: [...config.plugins, { name: "openid-connect", route: "orders-api", config: { issuer: ISSUER, proof_of_possession_mtls: "strict" } }],
    };
    const outcome = await load(bad);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.match(formatErrors(outcome.errors), /^in 'plugins':\n {2}- in entry 2 of 'plugins':\n {4}in 'config': mTLS-proof-of-possession/);
    assert.equal((await store.version()), version);
    for (const dao of Object.values(store.daos)) assert.equal((await dao.all()).length, 0, dao.name);
  });

  it("reports the store's own conflicts with Kong's messages, at the entry's path", async () => {
    assert.ok((await load({ _format_version: "3.0", services: [{ name: "orders", host: "h" }] })).ok);
    const other = "8a5c8a8e-4b7e-4b7c-9a59-1e1a1f6f0c01"; // a different entity with the same name
    const outcome = await load({ _format_version: "3.0", services: [{ id: other, name: "orders", host: "other" }], routes: [{ name: "r", paths: ["/"], service: "missing" }] });
    assert.ok(!outcome.ok);
    assert.deepEqual(outcome.errors, {
      services: { 1: "UNIQUE violation detected on '{name=\"orders\"}'" },
      routes: { 1: "invalid reference 'service: missing' (no such entry in 'services')" },
    });
    assert.equal((await store.daos.services.all()).length, 1);
  });

  it("resolves references the file lacks against the store, by name or id", async () => {
    assert.ok((await load({ _format_version: "3.0", services: [{ name: "existing", host: "h" }] })).ok);
    const outcome = await load({ _format_version: "3.0", routes: [{ name: "r", paths: ["/"], service: "existing" }] });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual((await store.daos.routes.getBy("name", "r"))!.service, { id: (await store.daos.services.getBy("name", "existing"))!.id });
  });

  it("keeps the file's timestamps (db_import upserts them as exported)", async () => {
    const id = "3f1b9f7e-7d0e-4c49-8d55-0a3b8c7f2e10";
    assert.ok((await load({ _format_version: "3.0", consumers: [{ id, username: "old", created_at: 1500000000, updated_at: 1600000000 }] })).ok);
    const consumer = (await store.daos.consumers.get(id))!;
    assert.deepEqual([consumer.created_at, consumer.updated_at], [1500000000, 1600000000]);
    const stamped = await load({ _format_version: "3.0", consumers: [{ username: "new" }] });
    assert.ok(stamped.ok);
    const fresh = (await store.daos.consumers.getBy("username", "new"))!;
    assert.ok(Math.abs(fresh.created_at - Date.now() / 1000) < 5);
  });

  it("`commit: false` (tether config parse) validates against the store and writes nothing", async () => {
    const outcome = await load(config, false);
    assert.ok(outcome.ok);
    assert.equal((await store.daos.services.all()).length, 0);
  });
});
