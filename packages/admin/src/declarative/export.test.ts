import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EntityKinds, EntityName } from "@tether/core";
import { toDocument, type Snapshot } from "./export.ts";

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const stamps = { created_at: 1700000000, updated_at: 1700000001, tags: null };

function snapshot(parts: Partial<{ [N in EntityName]: Record<string, unknown>[] }>): Snapshot {
  const empty = { services: [], routes: [], consumers: [], plugins: [], certificates: [], snis: [], ca_certificates: [], mtls_auth_credentials: [], vaults: [], upstreams: [], targets: [], key_sets: [], keys: [] };
  return { ...empty, ...parts } as unknown as Snapshot;
}

const plugin = (n: number, scope: { service?: number; route?: number; consumer?: number }): Record<string, unknown> => ({
  id: id(n),
  ...stamps,
  name: "p",
  config: { z: 1, a: { y: 2, b: 3 } },
  service: scope.service ? { id: id(scope.service) } : null,
  route: scope.route ? { id: id(scope.route) } : null,
  consumer: scope.consumer ? { id: id(scope.consumer) } : null,
});

describe("toDocument (db_export's content, decK's nesting)", () => {
  it("an empty configuration is just the header", () => {
    assert.deepEqual(toDocument(snapshot({})), { _format_version: "3.0", _transform: false });
  });

  it("nests each entity under its only reference; anything else stays at the top level with id references", () => {
    const doc = toDocument(
      snapshot({
        services: [{ id: id(1), ...stamps, name: "s", client_certificate: null }],
        routes: [
          { id: id(2), ...stamps, name: "in-service", service: { id: id(1) } },
          { id: id(3), ...stamps, name: "alone", service: null },
        ],
        consumers: [{ id: id(4), ...stamps, username: "alice", custom_id: null }],
        plugins: [
          plugin(10, {}),
          plugin(11, { service: 1 }),
          plugin(12, { route: 2 }),
          plugin(13, { route: 3 }),
          plugin(14, { consumer: 4 }),
          plugin(15, { service: 1, consumer: 4 }),
        ],
        mtls_auth_credentials: [
          { id: id(20), created_at: 1, tags: null, subject_name: "a@x", consumer: { id: id(4) }, ca_certificate: null },
          { id: id(21), created_at: 1, tags: null, subject_name: "a@y", consumer: { id: id(4) }, ca_certificate: { id: id(30) } },
        ],
        ca_certificates: [{ id: id(30), ...stamps, cert: "PEM", cert_digest: "ab" }],
        certificates: [{ id: id(40), ...stamps, cert: "PEM", key: "KEY", cert_alt: null, key_alt: null, snis: ["ignored.example"] }],
        snis: [{ id: id(41), ...stamps, name: "api.example", certificate: { id: id(40) } }],
      } as Partial<{ [N in EntityName]: Record<string, unknown>[] }>),
    ) as Record<string, any>;

    assert.deepEqual(Object.keys(doc), ["_format_version", "_transform", "ca_certificates", "certificates", "consumers", "mtls_auth_credentials", "plugins", "routes", "services"]);
    const [service] = doc["services"];
    assert.equal(service.client_certificate, null, "top-level references are written, null or as an id string");
    assert.deepEqual(service.routes.map((r: any) => r.name), ["in-service"]);
    assert.ok(!("service" in service.routes[0]), "a nested entry has no reference fields");
    assert.deepEqual(service.routes[0].plugins.map((p: any) => p.id), [id(12)]);
    assert.ok(!("route" in service.routes[0].plugins[0]) && !("consumer" in service.routes[0].plugins[0]));
    assert.deepEqual(service.plugins.map((p: any) => p.id), [id(11)]);
    assert.deepEqual(doc["routes"].map((r: any) => [r.name, r.service, r.plugins.map((p: any) => p.id)]), [["alone", null, [id(13)]]]);
    const [alice] = doc["consumers"];
    assert.deepEqual(alice.plugins.map((p: any) => p.id), [id(14)]);
    assert.deepEqual(alice.mtls_auth_credentials, [{ created_at: 1, id: id(20), subject_name: "a@x", tags: null }]);
    assert.deepEqual(doc["mtls_auth_credentials"], [
      { ca_certificate: id(30), consumer: id(4), created_at: 1, id: id(21), subject_name: "a@y", tags: null },
    ]);
    assert.deepEqual(
      doc["plugins"].map((p: any) => [p.id, p.service, p.route, p.consumer]),
      [
        [id(10), null, null, null],
        [id(15), id(1), null, id(4)],
      ],
    );
    const [cert] = doc["certificates"];
    assert.deepEqual(cert.snis, [{ created_at: 1700000000, id: id(41), name: "api.example", tags: null, updated_at: 1700000001 }]);
    assert.deepEqual(Object.keys(doc["plugins"][0].config), ["a", "z"], "keys are sorted at every depth");
    assert.deepEqual(Object.keys(doc["plugins"][0].config.a), ["b", "y"]);
  });

  it("is the same whatever order the store returns rows in", () => {
    const a = { id: id(2), ...stamps, username: "b", custom_id: null } as unknown as EntityKinds["consumers"];
    const b = { id: id(1), ...stamps, username: "a", custom_id: null } as unknown as EntityKinds["consumers"];
    const one = toDocument({ ...snapshot({}), consumers: [a, b] });
    const two = toDocument({ ...snapshot({}), consumers: [b, a] });
    assert.deepEqual(one, two);
    assert.deepEqual((one["consumers"] as { id: string }[]).map((c) => c.id), [id(1), id(2)]);
  });
});
