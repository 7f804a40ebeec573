import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseDeclarative, ParseError, renderDeclarative } from "./yaml.ts";

describe("declarative YAML", () => {
  it("quotes what a YAML 1.1 reader (Kong's lyaml, decK) would misread, and keeps PEM blocks literal", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const text = renderDeclarative({ _format_version: "3.0", a: "off", b: "yes", c: "0o17", d: "~", e: pem, f: null, g: 1.5, h: "plain" });
    assert.match(text, /^_format_version: "3\.0"$/m);
    for (const line of ['a: "off"', 'b: "yes"', 'c: "0o17"', 'd: "~"', "f: null", "g: 1.5", "h: plain"]) assert.ok(text.includes(line), line);
    assert.match(text, /^e: \|\n {2}-----BEGIN CERTIFICATE-----\n {2}MIIB\n/m);
    const back = { ...(parse(text, { version: "1.1" }) as object) };
    assert.deepEqual(back, parse(text), "YAML 1.1 and 1.2 readers agree on every value");
  });

  it("reads YAML or JSON, and refuses duplicate keys and alias bombs", () => {
    assert.deepEqual(parseDeclarative('{"_format_version": "3.0"}', "kong.json"), { _format_version: "3.0" });
    assert.deepEqual(parseDeclarative("_format_version: '3.0'\nservices: ~\n", "kong.yml"), { _format_version: "3.0", services: null });
    assert.throws(() => parseDeclarative("a: 1\na: 2\n", "kong.yml"), (e: Error) => e instanceof ParseError && /^failed parsing declarative configuration: /.test(e.message));
    assert.throws(() => parseDeclarative("{", "kong.json"), ParseError);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`);
    assert.throws(() => parseDeclarative(bomb.join("\n"), "bomb.yml"), ParseError);
  });
});
