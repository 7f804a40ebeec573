import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { flattenDocument, type FlatEntry } from "./flatten.ts";

const SVC = "0b2e4b5c-1f8d-4c1e-9c59-6b0b4c6f7a11";
const ROUTE = "4c7a3d10-2b9e-4b6a-8f31-0e5d2a9c8b22";

let counter = 0;
const sequentialIds = (): string => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`;

function byKind(entries: FlatEntry[], kind: string): FlatEntry[] {
  return entries.filter((e) => e.kind === kind);
}

describe("flattenDocument", () => {
  it("flattens the nested layout: parents implied, ids given or generated, load order", () => {
    const { entries, errors, meta } = flattenDocument({
      _format_version: "3.0",
      plugins: [{ name: "tls-handshake-modifier", route: "r1", service: "orders" }],
      services: [
        {
          id: SVC.toUpperCase(),
          name: "orders",
          host: "up.example",
          _comment: "a remark Kong drops",
          routes: [{ id: ROUTE, name: "r1", paths: ["/o"], plugins: [{ name: "openid-connect", config: { issuer: "https://i" } }] }],
          plugins: [{ name: "openid-connect", config: { issuer: "https://i" } }],
        },
      ],
    }, sequentialIds);
    assert.equal(errors, undefined);
    assert.deepEqual(meta, { formatVersion: "3.0", transform: true, workspace: undefined });
    assert.deepEqual(entries.map((e) => e.kind), ["services", "routes", "plugins", "plugins", "plugins"]);
    const [svc, route] = entries as [FlatEntry, FlatEntry];
    assert.equal(svc.id, SVC, "ids are matched in lower case");
    assert.deepEqual(svc.path, ["services", 1]);
    assert.ok(!("_comment" in svc.input) && !("routes" in svc.input) && !("plugins" in svc.input));
    assert.deepEqual(route.input["service"], { id: SVC });
    assert.deepEqual(route.path, ["services", 1, "routes", 1]);
    // Walked in load order, nested entries where they stand: the route's plugin, the service's, then the top level's.
    const [routePlugin, servicePlugin, global] = byKind(entries, "plugins") as [FlatEntry, FlatEntry, FlatEntry];
    assert.deepEqual(global.input["route"], { id: ROUTE }, "references by endpoint key resolve to the entry's id");
    assert.deepEqual(global.input["service"], { id: SVC });
    assert.deepEqual(routePlugin.input["route"], { id: ROUTE });
    assert.deepEqual(routePlugin.path, ["services", 1, "routes", 1, "plugins", 1]);
    assert.deepEqual(servicePlugin.input["service"], { id: SVC });
    assert.notEqual(routePlugin.id, servicePlugin.id, "same plugin under different parents: different ids");
    assert.deepEqual(routePlugin.dependsOn, [route]);
  });

  it("reads the flat layout of `kong config db_export` the same way (references by id, `~` nulls)", () => {
    const { entries, errors } = flattenDocument({
      _format_version: "3.0",
      _transform: false,
      services: [{ id: SVC, name: "orders", host: "up.example", ws_id: "7d2c…" }],
      routes: [{ id: ROUTE, name: "r1", paths: ["/o"], service: SVC }],
      plugins: [{ name: "tls-handshake-modifier", route: ROUTE, service: null, consumer: null }],
    });
    assert.equal(errors, undefined);
    assert.ok(!("ws_id" in entries[0]!.input), "an export's workspace id is dropped");
    assert.deepEqual(entries[1]!.input["service"], { id: SVC });
    assert.deepEqual(entries[2]!.input["route"], { id: ROUTE });
    assert.equal(entries[2]!.input["service"], null);
  });

  it("leaves references the file cannot satisfy for the store, and accepts the Admin API's {id}/{name} forms", () => {
    const { entries } = flattenDocument({
      _format_version: "3.0",
      routes: [
        { name: "a", paths: ["/"], service: "existing-service" },
        { name: "b", paths: ["/"], service: { name: "other" } },
        { name: "c", paths: ["/"], service: { id: SVC } },
      ],
    });
    assert.deepEqual(
      entries.map((e) => e.unresolved),
      [
        [{ field: "service", target: "services", value: "existing-service" }],
        [{ field: "service", target: "services", value: { name: "other" } }],
        [{ field: "service", target: "services", value: { id: SVC } }],
      ],
    );
  });

  it("refuses a nested entry naming its parent, as Kong does", () => {
    const { errors, entries } = flattenDocument({
      _format_version: "3.0",
      services: [{ name: "s", host: "h", routes: [{ name: "r", paths: ["/"], service: "s" }] }],
    });
    assert.deepEqual(errors, { services: { 1: { routes: { 1: { service: "value must be null" } } } } });
    assert.deepEqual(entries.map((e) => e.kind), ["services"]);
  });

  it("reports Kong's uniqueness violations for entries declared twice", () => {
    const { errors, rejected } = flattenDocument({
      _format_version: "3.0",
      services: [{ name: "foo", host: "a" }, { name: "foo", host: "b" }, { id: SVC, host: "c" }, { id: SVC, host: "d" }],
      consumers: [{ username: "foo", custom_id: "conflict" }, { username: "bar", custom_id: "conflict" }],
    });
    assert.deepEqual(errors, {
      services: {
        2: "uniqueness violation: 'services' entity with name set to 'foo' already declared",
        4: `uniqueness violation: 'services' entity with primary key set to '${SVC}' already declared`,
      },
      consumers: { 2: "uniqueness violation: 'consumers' entity with custom_id set to 'conflict' already declared" },
    });
    assert.equal(rejected.size, 3);
  });

  it("checks the document's metadata and sections", () => {
    assert.deepEqual(flattenDocument({ services: [] }).errors, { _format_version: "required field missing" });
    assert.deepEqual(flattenDocument({ _format_version: "4.0" }).errors, { _format_version: "expected one of: 1.1, 2.1, 3.0" });
    assert.deepEqual(flattenDocument({ _format_version: 3 }).errors, { _format_version: "expected a string" });
    assert.deepEqual(flattenDocument({ _format_version: "3.0", _transform: "yes" }).errors, { _transform: "expected a boolean" });
    assert.deepEqual(flattenDocument({ _format_version: "3.0", filter_chains: [{ name: "u" }], partials: [] }).errors, { filter_chains: "unknown field" });
    assert.deepEqual(flattenDocument({ _format_version: "3.0", services: { name: "x" } }).errors, { services: "expected an array" });
    assert.deepEqual(flattenDocument({ _format_version: "3.0", services: ["x"] }).errors, { services: { 1: "expected a record" } });
    assert.deepEqual(flattenDocument(["not", "a", "document"]).errors, { "@document": "expected an object" });
    const meta = flattenDocument({ _format_version: "3.0", _workspace: "team-a", _info: { select_tags: ["t"] }, _konnect: {}, _comment: "x", _ignore: [] });
    assert.equal(meta.errors, undefined);
    assert.equal(meta.meta.workspace, "team-a");
  });

  it("migrates pre-3.0 regex paths the way Kong's loader does", () => {
    const { entries } = flattenDocument({
      _format_version: "2.1",
      services: [{ name: "s", host: "h", routes: [{ name: "r", paths: ["/plain/path-1_~.%20", "/users/\\d+$"] }] }],
    });
    assert.deepEqual(entries[1]!.input["paths"], ["/plain/path-1_~.%20", "~/users/\\d+$"]);
    const current = flattenDocument({ _format_version: "3.0", routes: [{ name: "r", paths: ["/users/\\d+$"] }] });
    assert.deepEqual(current.entries[0]!.input["paths"], ["/users/\\d+$"], "3.0 paths are taken as written");
  });

  it("keeps a `__proto__` key an own field (for validation to refuse), never a prototype", () => {
    const doc = JSON.parse('{"_format_version":"3.0","services":[{"name":"s","host":"h","__proto__":{"polluted":true}}]}') as unknown;
    const { entries } = flattenDocument(doc);
    const input = entries[0]!.input;
    assert.equal(Object.getPrototypeOf(input), Object.prototype);
    assert.ok(Object.hasOwn(input, "__proto__"));
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });
});
