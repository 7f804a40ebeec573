// The browser app's pure parts, run under Node (they use no DOM).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bindingOf, pluginsOnRoute } from "../browser/binding.ts";
import { certificateExpiry } from "../browser/cert-expiry.ts";
import { match, parseHash } from "../browser/router.ts";
import { editable, fieldErrors, widgetOf } from "../browser/schema.ts";

describe("schema forms", () => {
  it("Kong's nested 400 `fields` become dotted paths", () => {
    const errors = fieldErrors({ port: "value should be between 0 and 65535", config: { issuer: "required field missing" }, "@entity": ["a", "b"] });
    assert.deepEqual([...errors], [
      ["port", "value should be between 0 and 65535"],
      ["config.issuer", "required field missing"],
      ["@entity", "a; b"],
    ]);
  });

  it("widgets follow the field type; auto and forbidden fields are left out", () => {
    assert.equal(widgetOf({ type: "string", one_of: ["a"] }), "select");
    assert.equal(widgetOf({ type: "boolean", default: true }), "checkbox");
    assert.equal(widgetOf({ type: "boolean" }), "tristate");
    assert.equal(widgetOf({ type: "set", elements: { type: "string", one_of: ["http"] } }), "choices");
    assert.equal(widgetOf({ type: "array", elements: { type: "string" } }), "lines");
    assert.equal(widgetOf({ type: "array", elements: { type: "record" } }), "json");
    assert.equal(widgetOf({ type: "map" }), "json");
    assert.equal(editable({ type: "string", auto: true }), false);
    assert.equal(editable({ type: "foreign", eq: null }), false);
    assert.equal(editable({ type: "foreign" }), true);
  });
});

describe("the fragment router", () => {
  it("matches patterns and reads the query", () => {
    const { parts, query } = parseHash("#/services/abc/edit?offset=x%3D");
    assert.deepEqual(match(":kind/:id/edit", parts), { kind: "services", id: "abc" });
    assert.equal(match(":kind/new", parts), undefined);
    assert.equal(query.get("offset"), "x=");
    assert.deepEqual(match("", parseHash("#/").parts), {});
  });
});

describe("certificateExpiry (a small DER walk)", () => {
  it("reads notAfter as X509Certificate does", () => {
    const dir = mkdtempSync(join(tmpdir(), "gui-cert-"));
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=gui.test", "-days", "42", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { stdio: "ignore" });
      const pem = readFileSync(join(dir, "c.pem"), "utf8");
      assert.equal(certificateExpiry(pem)?.getTime(), new Date(new X509Certificate(pem).validTo).getTime());
      assert.equal(certificateExpiry("not a certificate"), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the binding of a route", () => {
  const route = { id: "r1", service: { id: "s1" }, snis: ["api.example"] };
  const plugins = [
    { name: "openid-connect", service: { id: "s1" }, config: { issuer: "https://idp.example", proof_of_possession_mtls: "optional" } },
    { name: "openid-connect", route: { id: "r1" }, config: { issuer: "https://idp.example", proof_of_possession_mtls: "strict", proof_of_possession_dpop: "off" } },
    { name: "tls-handshake-modifier" },
    { name: "mtls-auth", service: { id: "other" } },
    { name: "key-auth", consumer: { id: "c1" } },
  ];

  it("the most specific plugin of each name runs; other services' and consumer-scoped ones do not", () => {
    const on = pluginsOnRoute(route, plugins);
    assert.deepEqual([...on.keys()].sort(), ["openid-connect", "tls-handshake-modifier"]);
    assert.equal((on.get("openid-connect")!["config"] as Record<string, unknown>)["proof_of_possession_mtls"], "strict");
  });

  it("client certificate requested, under the route's SNIs, PoP modes and IdP", () => {
    assert.deepEqual(bindingOf(route, plugins), { certificateRequestedBy: "tls-handshake-modifier", snis: ["api.example"], mtls: "strict", dpop: "off", issuer: "https://idp.example" });
    assert.deepEqual(bindingOf({ id: "r2" }, []), { certificateRequestedBy: undefined, snis: [], mtls: "off", dpop: "off", issuer: undefined });
  });
});
