import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serviceSchema } from "../entities/service.ts";
import { toKongField, toKongFields, toKongSchema } from "./kong-format.ts";
import type { RecordSchema } from "./types.ts";

describe("toKongSchema", () => {
  it("renders the service entity as Kong's /schemas/services does: ordered single-key fields", () => {
    const schema = toKongSchema(serviceSchema, {
      unique: ["name"],
      onDelete: { client_certificate: "restrict" },
      entityChecks: [{ at_least_one_of: ["a", "b"] }],
    });
    assert.deepEqual(
      schema.fields.map((entry) => Object.keys(entry)),
      Object.keys(serviceSchema.properties).map((name) => [name]),
      "one key per entry, in declaration order",
    );
    const field = (name: string) => schema.fields.find((entry) => name in entry)![name];
    assert.deepEqual(field("id"), { type: "string", uuid: true, auto: true });
    assert.deepEqual(field("created_at"), { type: "integer", auto: true, timestamp: true });
    assert.deepEqual(field("name"), { type: "string", len_min: 1, unique: true });
    assert.deepEqual(field("protocol"), {
      type: "string",
      required: true,
      default: "http",
      one_of: ["grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"],
    });
    assert.deepEqual(field("host"), { type: "string", required: true, len_min: 1 });
    assert.deepEqual(field("port"), { type: "integer", required: true, default: 80, between: [0, 65535] });
    assert.deepEqual(field("path"), { type: "string" });
    assert.deepEqual(field("tags"), { type: "set", elements: { type: "string", len_min: 1 } });
    assert.deepEqual(field("client_certificate"), { type: "foreign", reference: "certificates", on_delete: "restrict" });
    assert.deepEqual(field("tls_verify_depth"), { type: "integer", between: [0, 64] });
    assert.deepEqual(field("ca_certificates"), { type: "array", elements: { type: "string", uuid: true } });
    assert.deepEqual(field("enabled"), { type: "boolean", required: true, default: true });
    assert.deepEqual(schema.entity_checks, [{ at_least_one_of: ["a", "b"] }]);
  });

  it("entity_checks is always an array", () => {
    assert.deepEqual(toKongSchema({ type: "object", properties: {} }), { fields: [], entity_checks: [] });
  });
});

describe("toKongField", () => {
  const config: RecordSchema = {
    type: "object",
    additionalProperties: false,
    required: ["issuer"],
    properties: {
      issuer: { type: "string", format: "uri", description: "The issuer." },
      auth_methods: {
        type: ["array", "null"],
        kongType: "set",
        items: { type: "string", enum: ["bearer", "session"] },
        default: ["bearer"],
      },
      leeway: { type: ["number", "null"], minimum: 0, maximum: 3600, default: 0 },
      mode: { type: ["string", "null"], enum: ["strict", "optional", null] },
      client_secret: { type: ["array", "null"], items: { type: "string", encrypted: true, referenceable: true } },
      headers: { type: ["object", "null"], kongType: "map", additionalProperties: { type: "string" } },
      redis: {
        type: "object",
        kongType: "record",
        additionalProperties: false,
        default: {},
        properties: { host: { type: ["string", "null"] }, port: { type: "integer", minimum: 0, maximum: 65535, default: 6379 } },
      },
      phases: {
        type: ["object", "null"],
        kongType: "map",
        additionalProperties: false,
        properties: { access: { type: "array", items: { type: "string" } } },
      },
      nothing_but_null: { type: "null", foreign: "consumers" },
    },
  };
  const fields = Object.fromEntries(toKongFields(config).map((entry) => Object.entries(entry)[0]!));

  it("a non-nullable field is required; enum is one_of without null; range is between", () => {
    assert.deepEqual(fields["issuer"], { type: "string", required: true, description: "The issuer." });
    assert.deepEqual(fields["mode"], { type: "string", one_of: ["strict", "optional"] });
    assert.deepEqual(fields["leeway"], { type: "number", default: 0, between: [0, 3600] });
  });

  it("sets, arrays and maps carry their elements, keys and values", () => {
    assert.deepEqual(fields["auth_methods"], {
      type: "set",
      default: ["bearer"],
      elements: { type: "string", one_of: ["bearer", "session"] },
    });
    assert.deepEqual(fields["client_secret"], {
      type: "array",
      elements: { type: "string", encrypted: true, referenceable: true },
    });
    assert.deepEqual(fields["headers"], { type: "map", keys: { type: "string" }, values: { type: "string" } });
    // a closed map (ordering.before): its keys are the declared ones
    assert.deepEqual(fields["phases"], {
      type: "map",
      keys: { type: "string", one_of: ["access"] },
      values: { type: "array", elements: { type: "string" } },
    });
  });

  it("records nest their fields; the empty default that fills them in is not shown", () => {
    assert.deepEqual(fields["redis"], {
      type: "record",
      required: true,
      fields: [{ host: { type: "string" } }, { port: { type: "integer", required: true, default: 6379, between: [0, 65535] } }],
    });
  });

  it("a field that may only be null is a foreign key that must stay unset", () => {
    assert.deepEqual(fields["nothing_but_null"], { type: "foreign", reference: "consumers", eq: null });
  });

  it("a foreign reference does not expose its `{id}` record", () => {
    assert.deepEqual(
      toKongField({ type: ["object", "null"], kongType: "foreign", foreign: "services", properties: { id: { type: "string" } } }, false),
      { type: "foreign", reference: "services" },
    );
  });
});
