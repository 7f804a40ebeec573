// Cases from Kong's spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua
// and spec/02-integration/04-admin_api/15-off_spec.lua: the same input and `fields` give the same
// `flattened_errors`, in the same order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { flattenErrors } from "./flatten-errors.ts";

describe("flattened_errors (Kong's declarative_config_flattened)", () => {
  it("a non-entity section stays in fields; an entity's nested field errors get dotted paths", () => {
    const upstream = {
      name: "bad",
      host_header: 123,
      hash_on: "ip",
      healthchecks: { active: { concurrency: -1, http_path: "/" } },
      tags: ["upstream-01"],
    };
    const input = { _format_version: "3.0", upstreams: [upstream] };
    const fields = {
      upstreams: [{ healthchecks: { active: { concurrency: "value should be between 1 and 2147483648" } }, host_header: "expected a string" }],
    };
    const out = flattenErrors(input, fields);
    assert.deepEqual(out.fields, {});
    assert.deepEqual(out.flattened, [
      {
        entity_type: "upstream",
        entity_name: "bad",
        entity_tags: ["upstream-01"],
        entity: upstream,
        errors: [
          { type: "field", field: "host_header", message: "expected a string" },
          { type: "field", field: "healthchecks.active.concurrency", message: "value should be between 1 and 2147483648" },
        ],
      },
    ]);
    assert.deepEqual(input.upstreams[0], upstream, "the input is not modified");
  });

  it("children are hoisted to items of their own, before their parent, without the parent's pk when it has none", () => {
    const service = {
      client_certificate: { cert: "", key: "", tags: ["service_client_certificate-01", "service-01"] },
      name: "bad-client-cert",
      plugins: [{ config: {}, name: "i-do-not-exist", tags: ["service_plugin-01"] }],
      routes: [
        { hosts: ["test"], paths: ["/"], plugins: [{ config: { a: { b: { c: "def" } } }, name: "http-log", tags: ["route_service_plugin-01"] }], protocols: ["http"], tags: ["service_route-01"] },
        { hosts: ["invalid"], paths: ["/"], protocols: ["nope"], tags: ["service_route-02"] },
      ],
      tags: ["service-01"],
      url: "https://localhost:1234",
    };
    const fields = {
      services: [
        {
          client_certificate: { cert: "length must be at least 1", key: "length must be at least 1" },
          plugins: [{ name: "plugin 'i-do-not-exist' not enabled; add it to the 'plugins' configuration property" }],
          routes: [{ plugins: [{ config: { a: "unknown field", http_endpoint: "required field missing" } }] }, { protocols: "unknown type: nope" }],
        },
      ],
    };
    const out = flattenErrors({ _format_version: "3.0", services: [service] }, fields);
    assert.deepEqual(out.fields, {});
    assert.deepEqual(out.flattened, [
      {
        entity_type: "plugin",
        entity_name: "i-do-not-exist",
        entity_tags: ["service_plugin-01"],
        entity: { config: {}, name: "i-do-not-exist", tags: ["service_plugin-01"] },
        errors: [{ type: "field", field: "name", message: "plugin 'i-do-not-exist' not enabled; add it to the 'plugins' configuration property" }],
      },
      {
        entity_type: "certificate",
        entity_tags: ["service_client_certificate-01", "service-01"],
        entity: { cert: "", key: "", tags: ["service_client_certificate-01", "service-01"] },
        errors: [
          { type: "field", field: "key", message: "length must be at least 1" },
          { type: "field", field: "cert", message: "length must be at least 1" },
        ],
      },
      {
        entity_type: "plugin",
        entity_name: "http-log",
        entity_tags: ["route_service_plugin-01"],
        entity: { config: { a: { b: { c: "def" } } }, name: "http-log", tags: ["route_service_plugin-01"] },
        errors: [
          { type: "field", field: "config.http_endpoint", message: "required field missing" },
          { type: "field", field: "config.a", message: "unknown field" },
        ],
      },
      {
        entity_type: "route",
        entity_tags: ["service_route-02"],
        entity: { hosts: ["invalid"], paths: ["/"], protocols: ["nope"], tags: ["service_route-02"] },
        errors: [{ type: "field", field: "protocols", message: "unknown type: nope" }],
      },
    ]);
  });

  it("entries in reverse order, entity-level messages as type entity, a nested child gets its parent's id", () => {
    const id = "cb019421-62c2-47a8-b714-d7567b114037";
    const input = {
      _format_version: "3.0",
      abnormal_extra_field: 123,
      services: [
        { id, name: "one", protocol: "nope", routes: [{ super_duper_invalid: true, tags: ["r-1"] }] },
        { name: "two", protocol: "tcp", path: "/path", tags: ["s-2", 7] },
      ],
    };
    const fields = {
      abnormal_extra_field: "unknown field",
      services: [
        { protocol: "expected one of: http, https", routes: [{ super_duper_invalid: "unknown field" }] },
        { "@entity": ["failed conditional validation given value of field 'protocol'"], path: "value must be null" },
      ],
    };
    const out = flattenErrors(input, fields);
    assert.deepEqual(out.fields, { abnormal_extra_field: "unknown field" }, "top-level errors of no entity stay");
    assert.deepEqual(
      out.flattened.map((item) => [item.entity_type, item.entity_id, item.entity_name, item.entity_tags, item.errors]),
      [
        [
          "service",
          undefined,
          "two",
          undefined, // not all strings: left out
          [
            { type: "field", field: "path", message: "value must be null" },
            { type: "entity", message: "failed conditional validation given value of field 'protocol'" },
          ],
        ],
        ["route", undefined, undefined, ["r-1"], [{ type: "field", field: "super_duper_invalid", message: "unknown field" }]],
        ["service", id, "one", undefined, [{ type: "field", field: "protocol", message: "expected one of: http, https" }]],
      ],
    );
    assert.deepEqual(out.flattened[1]!.entity, { super_duper_invalid: true, tags: ["r-1"], service: { id } });
    assert.deepEqual(out.flattened[2]!.entity, { id, name: "one", protocol: "nope" }, "children removed from the parent");
  });

  it("an error string at an entry is the entity's (#12167: the duplicate keeps its id and tags)", () => {
    const second = { id: "a73dc9a7-93df-584d-97c0-7f41a1bbce32", username: "test-consumer-1", tags: ["consumer-2"] };
    const input = { _format_version: "3.0", consumers: [{ id: "a73dc9a7-93df-584d-97c0-7f41a1bbce3d", username: "test-consumer-1", tags: ["consumer-1"] }, second] };
    const message = "uniqueness violation: 'consumers' entity with username set to 'test-consumer-1' already declared";
    const out = flattenErrors(input, { consumers: [null, message] });
    assert.deepEqual(out, {
      fields: {},
      flattened: [{ entity_type: "consumer", entity_id: second.id, entity_tags: ["consumer-2"], entity: second, errors: [{ type: "entity", message }] }],
    });
  });

  it("nothing attributable: an empty list, and the entity section is still drained", () => {
    assert.deepEqual(flattenErrors({ services: "nope" }, { services: "expected an array" }), { fields: { services: "expected an array" }, flattened: [] });
    assert.deepEqual(flattenErrors({ services: [1] }, { services: ["expected a record"] }), { fields: {}, flattened: [] });
  });
});
