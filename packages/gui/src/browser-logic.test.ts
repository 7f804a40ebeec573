// The browser app's pure parts, run under Node (they use no DOM).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bindingOf, pluginsOnRoute } from "../browser/binding.ts";
import { bindingCounts, countsText, routeLabelOf } from "../browser/binding-counts.ts";
import { routesTrustingCa } from "../browser/ca-routes.ts";
import { certificateExpiry } from "../browser/cert-expiry.ts";
import { outcomeText, verdict, type Explanation } from "../browser/explanation.ts";
import { parseSamples } from "../browser/prometheus-text.ts";
import { match, parseHash } from "../browser/router.ts";
import { compareCellText } from "../browser/cell-order.ts";
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

describe("which routes depend on a CA certificate", () => {
  const routes = [
    { id: "r1", name: "one", service: { id: "s1" } },
    { id: "r2", name: "two", service: { id: "s1" } },
    { id: "r3", name: "three", service: { id: "s2" } },
  ];
  const mtls = (ca: string, scope: Record<string, unknown> = {}) => ({ name: "mtls-auth", ...scope, config: { ca_certificates: [ca] } });
  const names = (list: Record<string, unknown>[]) => list.map((r) => r["name"]);

  it("route-scoped, service-scoped (its routes) and global (every route), the most specific winning", () => {
    assert.deepEqual(names(routesTrustingCa("ca1", routes, [mtls("ca1", { route: { id: "r1" } })])), ["one"]);
    assert.deepEqual(names(routesTrustingCa("ca1", routes, [mtls("ca1", { service: { id: "s1" } })])), ["one", "two"]);
    assert.deepEqual(names(routesTrustingCa("ca1", routes, [mtls("ca1")])), ["one", "two", "three"]);
    // r2's own mtls-auth trusts another CA: it overrides the service's.
    const plugins = [mtls("ca1", { service: { id: "s1" } }), mtls("ca2", { route: { id: "r2" } })];
    assert.deepEqual(names(routesTrustingCa("ca1", routes, plugins)), ["one"]);
    assert.deepEqual(names(routesTrustingCa("ca2", routes, plugins)), ["two"]);
    assert.deepEqual(routesTrustingCa("ca1", routes, [{ ...mtls("ca1"), enabled: false }]), []);
  });
});

describe("the metrics exposition", () => {
  const text = [
    "# HELP tether_auth_binding_total Token-binding decisions",
    "# TYPE tether_auth_binding_total counter",
    'tether_auth_binding_total{service="svc",route="api",proof="mtls",outcome="match"} 3',
    'tether_auth_binding_total{service="svc",route="api",proof="dpop",outcome="match"} 2',
    'tether_auth_binding_total{service="svc",route="api",proof="mtls",outcome="mismatch"} 1 1700000000000',
    'tether_auth_binding_total{service="other",route="3f2a-id",proof="mtls",outcome="no_certificate"} 0',
    'tether_auth_refusals_total{service="svc",route="api",plugin="openid-connect",reason="binding"} 1',
    'tether_auth_refusals_total{service="svc",route="api",plugin="mtls-auth",reason="binding"} 4',
    'tether_auth_refusals_total{route="we\\ird \\"name\\"\\n,}",reason="expired"} 2',
    "kong_http_requests_total{service=\"svc\",route=\"api\",code=\"200\"} 9",
    "process_cpu_seconds_total 0.5",
    "broken_line{route=\"x\" 1",
  ].join("\n");

  it("reads samples with their labels and values, escapes included; comments, timestamps and broken lines skipped", () => {
    const all = parseSamples(text);
    assert.equal(all.length, 9);
    assert.deepEqual(all[2], { name: "tether_auth_binding_total", labels: { service: "svc", route: "api", proof: "mtls", outcome: "mismatch" }, value: 1 });
    assert.deepEqual(all.find((s) => s.name === "process_cpu_seconds_total"), { name: "process_cpu_seconds_total", labels: {}, value: 0.5 });
    assert.equal(all.find((s) => s.labels["reason"] === "expired")?.labels["route"], 'we\\ird "name"\n,}');
    assert.deepEqual(parseSamples("a +Inf\nb NaN\nc nope", new Set(["a", "b", "c"])).map((s) => s.value), [Infinity, NaN]);
    assert.equal(parseSamples(text, new Set(["tether_auth_refusals_total"])).length, 3);
  });

  it("sums binding outcomes and refusals per route label (proofs, plugins, services together); zero counts are no counts", () => {
    const counts = bindingCounts(text);
    assert.deepEqual([...counts.keys()], ["api", 'we\\ird "name"\n,}']);
    assert.deepEqual([...counts.get("api")!.outcomes], [["match", 5], ["mismatch", 1]]);
    assert.deepEqual([...counts.get("api")!.refusals], [["binding", 5]]);
    assert.equal(countsText(counts.get("api")!.outcomes), "match 5, mismatch 1");
    assert.equal(countsText(counts.get("3f2a-id")?.outcomes), undefined);
  });

  it("a route's label is its name, else its id (core routeLabel)", () => {
    assert.equal(routeLabelOf({ id: "3f2a-id", name: null }), "3f2a-id");
    assert.equal(routeLabelOf({ id: "3f2a-id", name: "api" }), "api");
  });
});

describe("an explanation's verdict", () => {
  const base: Explanation = {
    route: { id: "r1", name: "api" },
    configVersion: 3,
    request: { method: "GET", path: "/api", host: "localhost", scheme: "https", authorization: "Bearer", certificate: true },
    passes: false,
    response: { status: 401 },
    wwwAuthenticate: 'Bearer error="invalid_token"',
    steps: [{ name: "openid-connect", priority: 1050, result: "answered" }, { name: "tls-handshake-modifier", priority: 997, result: "not_reached" }],
    authOutcome: { plugin: "openid-connect", refused: "binding", binding: "mismatch", proof: "mtls" },
    token: { format: "jwt", binding: {} },
    logs: [],
  };

  it("names the status and the plugin that refused, or that it passes and as whom", () => {
    assert.equal(verdict(base), "Refused with 401 by openid-connect.");
    assert.equal(outcomeText(base), "openid-connect: refused (binding), certificate binding mismatch (mtls)");
    const pass = { ...base, passes: true, authenticated: { consumer: { id: "c1", username: "alice" }, anonymous: false } };
    assert.equal(verdict(pass), "Passes: the request reaches the upstream as consumer alice.");
    assert.equal(outcomeText({ ...base, authOutcome: { plugin: "openid-connect", binding: "match" } }), "openid-connect: accepted, certificate binding match");
  });
});

describe("sorting a list's column", () => {
  it("numbers as numbers, text without case, empty cells last either way", () => {
    const sorted = (cells: string[], descending = false) => [...cells].sort((a, b) => compareCellText(a, b, descending));
    assert.deepEqual(sorted(["10", "–", "2", "9.5"]), ["2", "9.5", "10", "–"]);
    assert.deepEqual(sorted(["10", "–", "2", "9.5"], true), ["10", "9.5", "2", "–"]);
    assert.deepEqual(sorted(["beta", "", "Alpha", "route-10", "route-9"]), ["Alpha", "beta", "route-9", "route-10", ""]);
  });
});
