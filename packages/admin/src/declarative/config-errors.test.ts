import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { invalidDeclarativeConfig, kongFields, luaTable } from "./config-errors.ts";
import { addError, type ErrorTree } from "./errors.ts";

describe("Kong's `fields` from Tether's error tree", () => {
  it("collections become arrays by position, null for the entries that are fine, at every depth", () => {
    const tree: ErrorTree = {};
    addError(tree, ["_format_version"], "required field missing");
    addError(tree, ["upstreams"], "unknown field");
    addError(tree, ["services", 2, "routes", 3, "plugins", 1], { config: { a: "unknown field" } });
    addError(tree, ["services", 2, "host"], "required field missing");
    addError(tree, ["services", 3], "uniqueness violation: 'services' entity with name set to 'a' already declared");
    addError(tree, ["routes", 1], { paths: ["should start with: / (fixed path) or ~/ (regex path)", null, "must not have empty segments"] });
    assert.deepEqual(kongFields(tree), {
      _format_version: "required field missing",
      upstreams: "unknown field",
      services: [
        null,
        { host: "required field missing", routes: [null, null, { plugins: [{ config: { a: "unknown field" } }] }] },
        "uniqueness violation: 'services' entity with name set to 'a' already declared",
      ],
      routes: [{ paths: ["should start with: / (fixed path) or ~/ (regex path)", null, "must not have empty segments"] }],
    });
  });

  it("a field named like a nested collection that is not one keeps its shape", () => {
    const tree: ErrorTree = {};
    addError(tree, ["consumers", 1, "routes"], "unknown field");
    addError(tree, ["services"], "expected an array");
    assert.deepEqual(kongFields(tree), { consumers: [{ routes: "unknown field" }], services: "expected an array" });
  });
});

describe("the message: fields as penlight's pretty.write(fields, '') prints them", () => {
  it("matches Kong's spec (15-off_spec.lua) byte for byte", () => {
    assert.equal(
      luaTable({ error: "failed parsing declarative configuration: expected an object" }),
      '{error="failed parsing declarative configuration: expected an object"}',
    );
    assert.equal(
      luaTable({ services: [{ host: "required field missing", port: "value should be between 0 and 65535" }] }),
      '{services={{host="required field missing",port="value should be between 0 and 65535"}}}',
    );
    assert.equal(
      luaTable({ services: [null, "uniqueness violation: 'services' entity with primary key set to '0855b320-0dd2-547d-891d-601e9b38647f' already declared"] }),
      "{services={[2]=\"uniqueness violation: 'services' entity with primary key set to '0855b320-0dd2-547d-891d-601e9b38647f' already declared\"}}",
    );
    assert.equal(luaTable({}), "{}");
  });

  it("keys that are not Lua identifiers are bracketed; strings are escaped as %q, or long-bracketed with newlines", () => {
    assert.equal(luaTable({ "@entity": ["a"], end: 1, ok: true, x: 1.5 }), '{["@entity"]={"a"},["end"]=1,ok=true,x=1.5}');
    assert.equal(luaTable(['say "hi" \\ there']), '{"say \\"hi\\" \\\\ there"}');
    assert.equal(luaTable(["two\nlines"]), "{[[two\nlines]]}");
    assert.equal(luaTable(["has ]] in it"]), "{[=[has ]] in it]=]}");
    assert.equal(luaTable([null, null, "c", null, "e"]), '{[3]="c",[5]="e"}');
  });

  it("the error: code 14, Kong's name, the message, the fields, then anything extra", () => {
    const error = invalidDeclarativeConfig({}, { flattened_errors: [] });
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, {
      code: 14,
      name: "invalid declarative configuration",
      message: "declarative config is invalid: {}",
      fields: {},
      flattened_errors: [],
    });
  });
});
