import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KongError } from "@tether/core";
import { configInput, configOptions, declarativeHash } from "./config-request.ts";

const YAML = '_format_version: "3.0"\nconsumers:\n- username: bobby\n';
const DOC = { _format_version: "3.0", consumers: [{ username: "bobby" }] };

describe("POST /config options (Kong's parse_config_post_opts)", () => {
  it("check_hash only for the exact value 1; flatten_errors for true/1/on/yes in any case", () => {
    assert.deepEqual(configOptions({}), { checkHash: false, flattenErrors: false });
    assert.deepEqual(configOptions({ check_hash: "1", flatten_errors: "YES" }), { checkHash: true, flattenErrors: true });
    for (const value of ["true", "1", "On", "yes"]) assert.equal(configOptions({ flatten_errors: value }).flattenErrors, true, value);
    for (const value of ["0", "false", "off", "no", ""]) assert.equal(configOptions({ flatten_errors: value }).flattenErrors, false, value);
    for (const value of ["true", "yes", "01", " 1"]) assert.equal(configOptions({ check_hash: value }).checkHash, false, value);
    assert.equal(configOptions({ check_hash: ["1", "0"] }).checkHash, true, "a repeated parameter counts by its first value");
  });
});

describe("what a POST /config carries (Kong's hydrate_config_from_request)", () => {
  it("a JSON body with _format_version is the configuration; its hash is not of a text (no 304)", () => {
    const input = configInput({ kind: "json", value: DOC }, JSON.stringify(DOC));
    assert.deepEqual(input, { kind: "document", doc: DOC, hash: declarativeHash(JSON.stringify(DOC)), ofText: false });
  });

  it("a `config` field is the text (JSON or YAML), from JSON or a form; the hash is the text's MD5", () => {
    const json = JSON.stringify(DOC);
    for (const [body, text] of [
      [{ kind: "json", value: { config: YAML } }, YAML],
      [{ kind: "json", value: { config: json } }, json],
      [{ kind: "form", value: { config: YAML } }, YAML],
    ] as const) {
      const input = configInput(body, "ignored");
      assert.deepEqual(input, { kind: "document", doc: DOC, hash: declarativeHash(text), ofText: true });
    }
    assert.equal(declarativeHash(""), "d41d8cd98f00b204e9800998ecf8427e");
  });

  it("a YAML body (application/yaml, text/yaml) is the text itself", () => {
    assert.deepEqual(configInput({ kind: "yaml", value: YAML }, YAML), { kind: "document", doc: DOC, hash: declarativeHash(YAML), ofText: true });
  });

  it("JSON that is not valid JSON is read as YAML, as Kong's lyaml fallback (trailing commas)", () => {
    const text = '{ "_format_version": "3.0", "consumers": [ { "username": "bobby", }, ], }';
    const input = configInput({ kind: "json", value: { config: text } }, "");
    assert.equal(input.kind, "document");
    assert.deepEqual(input.kind === "document" && input.doc, DOC);
  });

  it("without _format_version or config, the raw body is the text (and fails as one)", () => {
    assert.deepEqual(configInput({ kind: "form", value: { foo: "bar" } }, "foo=bar"), {
      kind: "unreadable",
      error: "failed parsing declarative configuration: expected an object",
    });
    const raw = '{"services":[]}';
    const input = configInput({ kind: "json", value: JSON.parse(raw) }, raw);
    assert.deepEqual(input, { kind: "document", doc: { services: [] }, hash: declarativeHash(raw), ofText: true }, "then _format_version is missing");
  });

  it("text that is no object, or no YAML at all, is unreadable with Kong's message", () => {
    assert.deepEqual(configInput({ kind: "json", value: { config: "bobby tables" } }, ""), {
      kind: "unreadable",
      error: "failed parsing declarative configuration: expected an object",
    });
    const broken = configInput({ kind: "yaml", value: "services: [unclosed\n" }, "");
    assert.equal(broken.kind, "unreadable");
    assert.match(broken.kind === "unreadable" ? broken.error : "", /^failed parsing declarative configuration: [^\n]+ at line 2, column 1$/);
    assert.equal(configInput({ kind: "json", value: { config: 12 } }, "").kind, "unreadable");
  });

  it("no body at all is Kong's 400 `expected a declarative configuration`", () => {
    assert.throws(
      () => configInput({ kind: "none" }, ""),
      (error: unknown) => error instanceof KongError && error.status === 400 && error.body["message"] === "expected a declarative configuration",
    );
  });
});
