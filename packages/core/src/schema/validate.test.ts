import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { schemaViolation, type FieldErrors } from "../errors/kong-error.ts";
import { pluginEntitySchema } from "../entities/plugin.ts";
import { routeSchema } from "../entities/route.ts";
import { serviceSchema } from "../entities/service.ts";
import type { PluginDefinition } from "../plugin/definition.ts";
import type { RecordSchema } from "./types.ts";
import { fillNulls, validateRecord } from "./validate.ts";

const ID = "6a4c3b2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

/** An own property even for `__proto__`, as JSON.parse and the form decoder produce. */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const service = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: ID, host: "h.example", ...extra });

describe("validateRecord: Kong's field messages", () => {
  it("reports a missing required field and fills defaults in place", () => {
    const value: Record<string, unknown> = { id: ID };
    assert.deepEqual(validateRecord(serviceSchema, value), { host: "required field missing" });
    const ok = service();
    assert.equal(validateRecord(serviceSchema, ok), undefined);
    assert.equal(ok["port"], 80);
    assert.equal(ok["retries"], 5);
    assert.equal(ok["protocol"], "http");
  });

  it("types, enums and ranges read as Kong words them", () => {
    assert.deepEqual(validateRecord(serviceSchema, service({ port: "80", protocol: "ftp", retries: 99999 })), {
      port: "expected an integer",
      protocol: "expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp",
      retries: "value should be between 0 and 32767",
    });
    assert.deepEqual(validateRecord(routeSchema, { id: ID, paths: "/" }), { paths: "expected an array" });
    assert.deepEqual(validateRecord(routeSchema, { id: ID, methods: "GET" }), { methods: "expected a set" });
    assert.deepEqual(validateRecord(routeSchema, { id: ID, headers: [] }), { headers: "expected a map" });
  });

  it("names and tags follow Kong's byte rules and quote the offending value", () => {
    assert.equal(validateRecord(serviceSchema, service({ name: "s\u00fcd.\u65e5-\u{1F680}_~" })), undefined);
    assert.deepEqual(validateRecord(serviceSchema, service({ name: "a/b" })), {
      name: "invalid value 'a/b': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
    });
    assert.deepEqual(validateRecord(serviceSchema, service({ name: "a\ud800" })), {
      name: "invalid value 'a\ud800': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
    });
    assert.equal(validateRecord(serviceSchema, service({ tags: ["a b", "\u00fc", "x.y"] })), undefined);
    assert.deepEqual(validateRecord(serviceSchema, service({ tags: ["ok", "a/b", "c\u0001"] })), {
      tags: [
        null,
        "invalid tag 'a/b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
        "invalid tag 'c\u0001': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
      ],
    });
  });

  it("unknown fields, including ones named like Object.prototype members", () => {
    for (const key of ["foo", "constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) {
      const errors = validateRecord(serviceSchema, withKey(service(), key, { polluted: true }));
      assert.ok(errors, `${key} must not validate`);
      assert.deepEqual(Object.keys(errors), [key]);
      assert.equal(errors[key], "unknown field");
      assert.equal(Object.getPrototypeOf(errors), Object.prototype, `${key} must not replace the prototype`);
    }
  });

  it("nested unknown fields under a record, also prototype names", () => {
    const def = {
      name: "p",
      version: "0",
      priority: 1,
      configSchema: { type: "object", additionalProperties: false, properties: { a: { type: "integer", default: 1 } } },
      protocols: { default: ["http"], allowed: ["http"] },
      consumerScopable: false,
      requestsClientCertificate: false,
      createHandler: () => ({}),
    } satisfies PluginDefinition;
    const schema: RecordSchema = pluginEntitySchema(def);
    const value = { id: ID, name: "p", config: withKey({}, "constructor", 1) };
    const errors = validateRecord(schema, value);
    assert.deepEqual(JSON.parse(JSON.stringify(errors)), { config: { constructor: "unknown field" } });
    assert.equal(schemaViolation(errors!).message, "schema violation (config.constructor: unknown field)");
    // an auth plugin is never consumer-scoped
    assert.deepEqual(validateRecord(schema, { id: ID, name: "p", consumer: { id: ID } }), { consumer: "value must be null" });
  });

  it("several errors: counted, entity-level first, then fields by name", () => {
    const fields: FieldErrors = { port: "expected an integer", "@entity": ["bad combination"], host: "required field missing" };
    assert.equal(
      schemaViolation(fields).message,
      "3 schema violations (bad combination; host: required field missing; port: expected an integer)",
    );
  });

  it("closed shapes where Kong has them: plugin ordering and route sources do not take arbitrary objects", () => {
    const def = {
      name: "p",
      version: "0",
      priority: 1,
      configSchema: { type: "object", additionalProperties: false, properties: {} },
      protocols: { default: ["http"], allowed: ["http"] },
      consumerScopable: true,
      requestsClientCertificate: false,
      createHandler: () => ({}),
    } satisfies PluginDefinition;
    const schema = pluginEntitySchema(def);
    assert.equal(validateRecord(schema, { id: ID, name: "p", ordering: { before: { access: ["other"] } } }), undefined);
    assert.deepEqual(validateRecord(schema, { id: ID, name: "p", ordering: { deep: { deeper: {} } } }), {
      ordering: { deep: "unknown field" },
    });
    assert.deepEqual(validateRecord(schema, { id: ID, name: "p", ordering: { before: { rewrite: ["x"] } } }), {
      ordering: { before: { rewrite: "unknown field" } },
    });
    assert.equal(validateRecord(routeSchema, { id: ID, protocols: ["tcp"], sources: [{ ip: "10.0.0.0/8", port: 80 }] }), undefined);
    assert.deepEqual(validateRecord(routeSchema, { id: ID, protocols: ["tcp"], sources: [{ ip: "10.0.0.1", x: { y: 1 } }] }), {
      sources: [{ x: "unknown field" }],
    });
  });
});

describe("fillNulls", () => {
  it("returns every declared field, unset ones as null", () => {
    const value = service();
    validateRecord(serviceSchema, value);
    fillNulls(value, serviceSchema);
    for (const key of Object.keys(serviceSchema.properties)) assert.ok(Object.hasOwn(value, key), key);
    assert.equal(value["path"], null);
    assert.equal(value["client_certificate"], null);
  });
});
