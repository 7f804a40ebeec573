import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { WriteContext } from "@tether/admin";
import { bundledPlugins } from "@tether/plugins";
import { Store } from "@tether/store";
import { formatErrors } from "./errors.ts";
import { toDocument, type Snapshot } from "./export.ts";
import { flattenDocument } from "./flatten.ts";
import { loadIntoStore } from "./load-into-store.ts";

const ISSUER = "https://idp.example/realms/r";

function snapshotOf(store: Store): Snapshot {
  const d = store.daos;
  return {
    services: d.services.all(),
    routes: d.routes.all(),
    consumers: d.consumers.all(),
    plugins: d.plugins.all(),
    certificates: d.certificates.all(),
    snis: d.snis.all(),
    ca_certificates: d.ca_certificates.all(),
    mtls_auth_credentials: d.mtls_auth_credentials.all(),
  };
}

describe("loadIntoStore", () => {
  let store: Store;
  let ctx: WriteContext;
  const load = (doc: unknown, commit = true) => loadIntoStore(ctx, flattenDocument(doc), { commit });

  beforeEach(() => {
    store = new Store(":memory:");
    ctx = { store, plugins: bundledPlugins };
  });
  afterEach(() => store.close());

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

  it("writes every entity through the Admin API's pipeline: defaults, shorthands, references", () => {
    const outcome = load(config);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(outcome.counts, { services: 1, routes: 1, consumers: 1, mtls_auth_credentials: 1, plugins: 2 });
    const svc = store.daos.services.getBy("name", "orders")!;
    assert.deepEqual([svc.protocol, svc.host, svc.port, svc.path, svc.retries], ["https", "orders.internal", 8443, "/v1", 5]);
    const route = store.daos.routes.getBy("name", "orders-api")!;
    assert.deepEqual(route.service, { id: svc.id });
    const plugins = store.daos.plugins.all();
    const tls = plugins.find((p) => p.name === "tls-handshake-modifier")!;
    assert.deepEqual([tls.service, tls.route, tls.protocols], [{ id: svc.id }, { id: route.id }, ["https", "grpcs"]]);
    const [cred] = store.daos.mtls_auth_credentials.all();
    assert.deepEqual(cred!.consumer, { id: store.daos.consumers.getBy("username", "alice")!.id });
    assert.ok(!("updated_at" in cred!), "Kong's mtls_auth_credentials have no updated_at");
  });

  it("is idempotent: entries without ids get Kong's deterministic ids, so a second import updates them", () => {
    assert.ok(load(config).ok);
    const first = snapshotOf(store);
    const version = store.version();
    assert.ok(load(config).ok);
    assert.deepEqual(
      snapshotOf(store).services.map((s) => s.id),
      first.services.map((s) => s.id),
    );
    assert.equal(store.daos.plugins.all().length, 2);
    assert.ok(store.version() > version, "the proxy sees a new configuration version");
  });

  it("round-trips: export, import elsewhere, export again gives the same document", () => {
    assert.ok(load(config).ok);
    const exported = toDocument(snapshotOf(store));
    const other = new Store(":memory:");
    try {
      const outcome = loadIntoStore({ store: other, plugins: bundledPlugins }, flattenDocument(exported), { commit: true });
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.deepEqual(toDocument(snapshotOf(other)), exported);
    } finally {
      other.close();
    }
  });

  it("all or nothing: one bad entry, even the last, and nothing is written", () => {
    const version = store.version();
    const bad = {
      ...config,
      plugins: [...config.plugins, { name: "openid-connect", route: "orders-api", config: { issuer: ISSUER, proof_of_possession_mtls: "strict" } }],
    };
    const outcome = load(bad);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.match(formatErrors(outcome.errors), /^in 'plugins':\n {2}- in entry 2 of 'plugins':\n {4}in 'config': mTLS-proof-of-possession/);
    assert.equal(store.version(), version);
    for (const dao of Object.values(store.daos)) assert.equal(dao.all().length, 0, dao.name);
  });

  it("reports the store's own conflicts with Kong's messages, at the entry's path", () => {
    assert.ok(load({ _format_version: "3.0", services: [{ name: "orders", host: "h" }] }).ok);
    const other = "8a5c8a8e-4b7e-4b7c-9a59-1e1a1f6f0c01"; // a different entity with the same name
    const outcome = load({ _format_version: "3.0", services: [{ id: other, name: "orders", host: "other" }], routes: [{ name: "r", paths: ["/"], service: "missing" }] });
    assert.ok(!outcome.ok);
    assert.deepEqual(outcome.errors, {
      services: { 1: "UNIQUE violation detected on '{name=\"orders\"}'" },
      routes: { 1: "invalid reference 'service: missing' (no such entry in 'services')" },
    });
    assert.equal(store.daos.services.all().length, 1);
  });

  it("resolves references the file lacks against the store, by name or id", () => {
    assert.ok(load({ _format_version: "3.0", services: [{ name: "existing", host: "h" }] }).ok);
    const outcome = load({ _format_version: "3.0", routes: [{ name: "r", paths: ["/"], service: "existing" }] });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(store.daos.routes.getBy("name", "r")!.service, { id: store.daos.services.getBy("name", "existing")!.id });
  });

  it("keeps the file's timestamps (db_import upserts them as exported)", () => {
    const id = "3f1b9f7e-7d0e-4c49-8d55-0a3b8c7f2e10";
    assert.ok(load({ _format_version: "3.0", consumers: [{ id, username: "old", created_at: 1500000000, updated_at: 1600000000 }] }).ok);
    const consumer = store.daos.consumers.get(id)!;
    assert.deepEqual([consumer.created_at, consumer.updated_at], [1500000000, 1600000000]);
    const stamped = load({ _format_version: "3.0", consumers: [{ username: "new" }] });
    assert.ok(stamped.ok);
    const fresh = store.daos.consumers.getBy("username", "new")!;
    assert.ok(Math.abs(fresh.created_at - Date.now() / 1000) < 5);
  });

  it("`commit: false` (tether config parse) validates against the store and writes nothing", () => {
    const outcome = load(config, false);
    assert.ok(outcome.ok);
    assert.equal(store.daos.services.all().length, 0);
  });
});
