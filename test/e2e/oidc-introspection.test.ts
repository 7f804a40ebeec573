// auth_methods introspection (RFC 7662) against the real IdP: opaque certificate-bound tokens,
// PoP on the introspection answer's cnf, revocation, the introspection cache (IdP calls counted),
// the bearer → introspection search order and introspect_jwt_tokens.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Pem } from "../fixtures/pki/index.ts";
import { CLIENTS, OPAQUE_RESOURCE } from "../fixtures/idp/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { waitFor } from "../helpers/tether.ts";

const CHALLENGE = 'Bearer realm="localhost", error="invalid_token"';
const MISMATCH = "the client certificate thumbprint does not match the x5t#S256 claim";
const GATEWAY = { client_id: [CLIENTS.gateway.clientId], client_secret: [CLIENTS.gateway.clientSecret] };

describe("openid-connect introspection", () => {
  let s: Scenario;
  const introspections = (): number => s.idp.calls["/token/introspection"] ?? 0;
  /** `cert: null` = no certificate (undefined would pick the default). */
  const call = (path: string, token: string | undefined, cert: Pem | null = s.pki.clients.alice, headers: Record<string, string> = {}) =>
    tlsRequest({ port: s.tether.httpsPort, path, cert: cert ?? undefined, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const opaque = (cert: Pem = s.pki.clients.alice) => s.token({ cert, resource: OPAQUE_RESOURCE });

  before(async () => {
    s = await startScenario();
    const strict = { auth_methods: ["introspection"], proof_of_possession_mtls: "strict", ...GATEWAY };
    await s.protect("/cached", strict);
    await s.protect("/uncached", { ...strict, cache_introspection: false });
    await s.protect("/both", { auth_methods: ["bearer", "introspection"], proof_of_possession_mtls: "strict", ...GATEWAY });
    await s.protect("/jwt-revocation", { auth_methods: ["bearer"], introspect_jwt_tokens: true, cache_introspection: false, ...GATEWAY });
    await s.protect("/post-auth", { ...strict, introspection_endpoint_auth_method: "client_secret_post", cache_introspection: false });
    await s.protect("/bad-secret", { ...strict, client_secret: ["wrong"], cache_introspection: false });
    await s.protect("/no-active-check", { auth_methods: ["introspection"], introspection_check_active: false, cache_introspection: false, ...GATEWAY });
    await s.protect("/header", { ...strict, upstream_introspection_header: "x-introspection", cache_introspection: false });
    await s.protect("/no-client", { auth_methods: ["introspection"] });
    await untilRouted(s.tether, "/no-client");
  });
  after(() => s.stop());

  it("an opaque bound token with alice's certificate → 200, the token forwarded upstream", async () => {
    const token = await opaque();
    const res = await call("/uncached", token);
    assert.equal(res.status, 200, res.text);
    assert.equal(s.echo.requests.at(-1)!.headers["authorization"], `Bearer ${token}`);
  });

  it("the same token with bob's certificate → 401 mismatch; without a certificate → 401 not specified", async () => {
    const token = await opaque();
    const bob = await call("/uncached", token, s.pki.clients.bob);
    assert.equal(bob.status, 401);
    assert.deepEqual(bob.body, { message: "Unauthorized" });
    assert.equal(bob.headers["www-authenticate"], `${CHALLENGE}, error_description="${MISMATCH}"`);
    const none = await call("/uncached", token, null);
    assert.equal(none.headers["www-authenticate"], `${CHALLENGE}, error_description="client certificate was not specified"`);
  });

  it("an unbound opaque token on a strict route → 401 x5t#S256 claim required", async () => {
    const token = await s.token({ bound: false, resource: OPAQUE_RESOURCE });
    const res = await call("/uncached", token);
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], `${CHALLENGE}, error_description="x5t#S256 claim required but not found"`);
  });

  it("an unknown token (inactive) → 401 invalid_token; nothing reaches the upstream", async () => {
    const before = s.echo.requests.length;
    const res = await call("/uncached", "not-a-token-the-idp-issued");
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Unauthorized" });
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
    assert.equal(s.echo.requests.length, before);
  });

  it("cache: one IdP call for repeated requests; the certificate is still checked on every request", async () => {
    const token = await opaque();
    const start = introspections();
    const t0 = performance.now();
    assert.equal((await call("/cached", token)).status, 200);
    const miss = performance.now() - t0;
    assert.equal(introspections(), start + 1);
    const t1 = performance.now();
    for (let i = 0; i < 5; i++) assert.equal((await call("/cached", token)).status, 200);
    const hit = (performance.now() - t1) / 5;
    assert.equal(introspections(), start + 1, "served from the cache");
    const bob = await call("/cached", token, s.pki.clients.bob);
    assert.equal(bob.status, 401, "PoP on a cached answer");
    assert.match(String(bob.headers["www-authenticate"]), /does not match/);
    assert.equal(introspections(), start + 1);
    console.log(`# introspection: miss ${miss.toFixed(1)} ms, hit ${hit.toFixed(1)} ms (per request, new TLS connection each)`);
  });

  it("cache: concurrent first requests for one token share one introspection", async () => {
    const token = await opaque();
    const start = introspections();
    const all = await Promise.all(Array.from({ length: 8 }, () => call("/cached", token)));
    assert.deepEqual(all.map((r) => r.status), Array(8).fill(200));
    assert.equal(introspections(), start + 1);
  });

  it("cache: an inactive answer is cached briefly too (5 s), a repeated bad token costs one call", async () => {
    const start = introspections();
    for (let i = 0; i < 3; i++) assert.equal((await call("/cached", "garbage-token-for-the-negative-cache")).status, 401);
    assert.equal(introspections(), start + 1);
  });

  it("cache_introspection false: every request introspects", async () => {
    const token = await opaque();
    const start = introspections();
    for (let i = 0; i < 3; i++) assert.equal((await call("/uncached", token)).status, 200);
    assert.equal(introspections(), start + 3);
  });

  it("a token revoked at the IdP (by its cert-bound client) → 401 once not cached; a cached answer lasts until it expires", async () => {
    const token = await opaque();
    assert.equal((await call("/uncached", token)).status, 200);
    assert.equal((await call("/cached", token)).status, 200);
    const revoked = await s.idp.revoke({ ...CLIENTS.certBound, cert: s.pki.clients.alice, token });
    assert.equal(revoked.status, 200);
    const res = await call("/uncached", token);
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
    assert.equal((await call("/cached", token)).status, 200, "revocation latency = the cache lifetime (documented)");
  });

  it("bearer first for a JWT (no introspection), introspection for an opaque token, on one route", async () => {
    const jwt = await s.token({ cert: s.pki.clients.alice });
    const start = introspections();
    assert.equal((await call("/both", jwt)).status, 200);
    assert.equal(introspections(), start, "a valid JWT is not introspected");
    assert.equal((await call("/both", await opaque())).status, 200);
    assert.equal(introspections(), start + 1);
    assert.equal((await call("/both", jwt, s.pki.clients.bob)).status, 401);
  });

  it("introspect_jwt_tokens: a valid JWT is also introspected, and once revoked it is refused", async () => {
    const jwt = await s.token({ cert: s.pki.clients.alice });
    const start = introspections();
    assert.equal((await call("/jwt-revocation", jwt)).status, 200);
    assert.equal(introspections(), start + 1);
    assert.equal((await s.idp.revoke({ ...CLIENTS.certBound, cert: s.pki.clients.alice, token: jwt })).status, 200);
    const res = await call("/jwt-revocation", jwt);
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
  });

  it("introspection_endpoint_auth_method client_secret_post authenticates too", async () => {
    assert.equal((await call("/post-auth", await opaque())).status, 200);
  });

  it("a wrong client secret: the IdP refuses the gateway → 401 for the caller, the cause in the log", async () => {
    const res = await call("/bad-secret", await opaque());
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
    await waitFor(async () => s.tether.logs.some((l) => l.msg === "openid-connect: request refused" && /unable to introspect/.test(String(l["reason"]))), 2_000);
  });

  it("introspection_check_active false: an inactive answer is accepted (Kong's switch)", async () => {
    assert.equal((await call("/no-active-check", "anything-at-all")).status, 200);
  });

  it("upstream_introspection_header: the answer as base64 JSON, with its cnf", async () => {
    const token = await opaque();
    assert.equal((await call("/header", token, s.pki.clients.alice, { "x-introspection": "spoofed" })).status, 200);
    const sent = JSON.parse(Buffer.from(String(s.echo.requests.at(-1)!.headers["x-introspection"]), "base64").toString("utf8"));
    assert.equal(sent.active, true);
    assert.equal(sent.client_id, "cert-bound");
    assert.equal(typeof sent.cnf["x5t#S256"], "string");
  });

  it("introspection without client_id → 500 An unexpected error occurred (configuration error, logged)", async () => {
    const res = await call("/no-client", await opaque());
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { message: "An unexpected error occurred" });
  });
});
