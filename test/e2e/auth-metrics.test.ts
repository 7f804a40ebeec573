// The tether_* metrics against the real proxy, IdP and certificates: after a known mix of
// requests, /metrics counts exactly those binding outcomes and refusals per route, the
// verified-token cache and the IdP requests; the Grafana dashboard only queries series that exist.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Pem } from "../fixtures/pki/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { REPO_ROOT, adminJson } from "../helpers/tether.ts";

/** The value of one series in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf("}"));
    const found = Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

describe("tether_ authentication metrics", () => {
  let s: Scenario;
  let bound: string;
  let unbound: string;
  let metrics: string;
  const call = (path: string, token: string | undefined, cert: Pem | undefined) =>
    tlsRequest({ port: s.tether.httpsPort, path, cert, headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    s = await startScenario();
    await s.protect("/strict", { proof_of_possession_mtls: "strict" });
    await s.protect("/optional", { proof_of_possession_mtls: "optional" });
    // mtls-auth on its own route: alice is a consumer, bob is not, mallory's CA is not trusted.
    const ca = await adminJson(s.tether, "POST", "/ca_certificates", { cert: s.pki.ca.cert });
    await adminJson(s.tether, "POST", "/consumers", { username: "alice" });
    await adminJson(s.tether, "POST", "/services", { name: "mtls", url: "http://127.0.0.1:9" });
    await adminJson(s.tether, "POST", "/services/mtls/routes", { name: "mtls-route", paths: ["/mtls"] });
    await adminJson(s.tether, "POST", "/services/mtls/plugins", { name: "mtls-auth", config: { ca_certificates: [ca.body.id] } });
    bound = await s.token({ cert: s.pki.clients.alice });
    unbound = await s.token({ bound: false });
    await untilApplied(s.tether);
    const { alice, bob } = s.pki.clients;
    const mix: [string, string | undefined, Pem | undefined, number][] = [
      ["/strict", bound, alice, 200], ["/strict", bound, alice, 200], ["/strict", bound, alice, 200],
      ["/strict", bound, bob, 401], ["/strict", bound, bob, 401],
      ["/strict", bound, undefined, 401],
      ["/strict", unbound, alice, 401],
      ["/optional", unbound, bob, 200], ["/optional", unbound, undefined, 200],
      ["/optional", bound, bob, 401],
      ["/strict", "not-a-jwt", alice, 401],
      ["/strict", undefined, alice, 401],
      ["/mtls", undefined, bob, 401], ["/mtls", undefined, bob, 401],
      ["/mtls", undefined, undefined, 401],
      ["/mtls", undefined, s.pki.clients.mallory, 401],
    ];
    for (const [path, token, cert, status] of mix) assert.equal((await call(path, token, cert)).status, status, `${path} ${status}`);
    const res = await fetch(`${s.tether.admin}/metrics`);
    assert.equal(res.status, 200);
    metrics = await res.text();
  });
  after(() => s?.stop());

  it("binding outcomes per route: match, mismatch, no_certificate, claim_missing, unbound_allowed", () => {
    const binding = (route: string, outcome: string) => sample(metrics, "tether_auth_binding_total", { service: route === "/strict" ? "svc-1" : "svc-2", outcome });
    assert.equal(binding("/strict", "match"), 3);
    assert.equal(sample(metrics, "tether_auth_binding_total", { service: "svc-1", proof: "mtls", outcome: "match" }), 3, "decided by the certificate");
    assert.equal(binding("/strict", "mismatch"), 2);
    assert.equal(binding("/strict", "no_certificate"), 1);
    assert.equal(binding("/strict", "claim_missing"), 1);
    assert.equal(binding("/optional", "unbound_allowed"), 2, "what strict would refuse");
    assert.equal(binding("/optional", "mismatch"), 1);
  });

  it("refusals by reason, the binding ones and the others", () => {
    const refused = (reason: string) => sample(metrics, "tether_auth_refusals_total", { service: "svc-1", plugin: "openid-connect", reason });
    assert.equal(refused("binding"), 4);
    assert.equal(refused("malformed"), 1);
    assert.equal(refused("no_token"), 1);
    assert.equal(sample(metrics, "tether_auth_refusals_total", { service: "svc-2", reason: "binding" }), 1);
  });

  it("mtls-auth refusals by reason: no certificate, an untrusted one, no consumer for it", () => {
    const refused = (reason: string) => sample(metrics, "tether_auth_refusals_total", { service: "mtls", route: "mtls-route", plugin: "mtls-auth", reason });
    assert.equal(refused("no_consumer"), 2);
    assert.equal(refused("no_certificate"), 1);
    assert.equal(refused("untrusted_certificate"), 1);
  });

  it("the verified-token cache and the IdP requests are counted", () => {
    const hits = sample(metrics, "tether_verified_token_cache_total", { result: "hit" });
    const misses = sample(metrics, "tether_verified_token_cache_total", { result: "miss" });
    assert.ok(misses >= 2, `misses ${misses}: each distinct token is verified once`);
    assert.ok(hits >= 7, `hits ${hits}: the same tokens again are not`);
    assert.ok(sample(metrics, "tether_idp_requests_total", { kind: "discovery", outcome: "ok" }) >= 1);
    assert.ok(sample(metrics, "tether_idp_requests_total", { kind: "jwks", outcome: "ok" }) >= 1);
    assert.ok(sample(metrics, "tether_idp_request_duration_seconds_count", { kind: "jwks" }) >= 1);
  });

  it("the Grafana dashboard queries only tether_ series that this node exports", () => {
    const dashboard = JSON.parse(readFileSync(`${REPO_ROOT}docs/grafana/tether-auth.json`, "utf8")) as { panels: { targets: { expr: string }[] }[] };
    const names = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(tether_\w+)/g)].map((m) => m[1]!))));
    assert.ok(names.size >= 5);
    for (const name of names) assert.match(metrics, new RegExp(`^${name}(\\{| )`, "m"), `${name} is exported`);
  });
});
