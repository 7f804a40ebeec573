// Claims authorization (scopes, audience, groups, roles, claims_forbidden, issuers_allowed),
// consumer mapping, anonymous, and the upstream identity headers, against the real proxy with
// tokens signed by the real IdP's keys.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { thumbprint, type Pem } from "../fixtures/pki/index.ts";
import { OPAQUE_RESOURCE, CLIENTS } from "../fixtures/idp/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson } from "../helpers/tether.ts";

const FORBIDDEN = 'Bearer realm="localhost", error="insufficient_scope"';
const UNAUTHORIZED = 'Bearer realm="localhost", error="invalid_token"';
const STRICT = { proof_of_possession_mtls: "strict" };

describe("openid-connect claims, consumers and headers", () => {
  let s: Scenario;
  let claims: (extra?: Record<string, unknown>) => Record<string, unknown>;
  const consumers: Record<string, { id: string; username: string | null; custom_id: string | null }> = {};
  const sign = (extra: Record<string, unknown> = {}) => s.idp.sign(claims(extra));
  const call = (path: string, token: string | undefined, headers: Record<string, string> = {}, cert: Pem | null = s.pki.clients.alice) =>
    tlsRequest({ port: s.tether.httpsPort, path, cert: cert ?? undefined, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const upstream = () => s.echo.requests.at(-1)!.headers;

  async function consumer(username: string | null, custom_id: string | null) {
    const res = await adminJson(s.tether, "POST", "/consumers", { username, custom_id });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    consumers[username ?? custom_id!] = res.body;
    return res.body;
  }

  before(async () => {
    s = await startScenario();
    const now = Math.floor(Date.now() / 1000);
    const x5t = thumbprint(s.pki.clients.alice.cert);
    claims = (extra = {}) => ({ iss: s.idp.issuer, sub: "user-1", aud: "https://api.tether.test", iat: now, exp: now + 600, cnf: { "x5t#S256": x5t }, ...extra });
    await consumer("svc", "cert-bound");
    await consumer("alice", null);
    await consumer("guest", null);
    await s.protect("/scopes", { ...STRICT, scopes_required: ["admin", "read write"] });
    await s.protect("/scopes-verbose", { ...STRICT, scopes_required: ["write"], display_errors: true });
    await s.protect("/audience", { ...STRICT, audience_required: ["https://api.tether.test"] });
    await s.protect("/groups", { ...STRICT, groups_required: ["employee marketing", "super-admins"], groups_claim: ["realm_access", "groups"] });
    await s.protect("/roles", { ...STRICT, roles_required: ["reader"] });
    await s.protect("/forbidden-claims", { ...STRICT, claims_forbidden: ["act", "may_act"] });
    await s.protect("/issuers", { ...STRICT, issuers_allowed: ["https://other.example/realms/x"] });
    await s.protect("/messages", { ...STRICT, scopes_required: ["write"], forbidden_error_message: "Nope", unauthorized_error_message: "Who?", expose_error_code: false });
    await s.protect("/introspected-scopes", {
      auth_methods: ["introspection"], ...STRICT, scopes_required: ["read"],
      client_id: [CLIENTS.gateway.clientId], client_secret: [CLIENTS.gateway.clientSecret],
    });
    await s.protect("/introspected-write", {
      auth_methods: ["introspection"], ...STRICT, scopes_required: ["write"],
      client_id: [CLIENTS.gateway.clientId], client_secret: [CLIENTS.gateway.clientSecret],
    });
    await s.protect("/consumer", { ...STRICT, consumer_claim: ["client_id"], consumer_by: ["custom_id"] });
    await s.protect("/consumer-optional", { ...STRICT, consumer_claim: ["client_id"], consumer_optional: true });
    await s.protect("/consumer-case", { ...STRICT, consumer_claim: ["preferred_username"], consumer_by: ["username"] });
    await s.protect("/consumer-nocase", { ...STRICT, consumer_claim: ["preferred_username"], consumer_by: ["username"], by_username_ignore_case: true });
    await s.protect("/consumer-claims", { ...STRICT, consumer_claims: [["user", "name"], ["client_id"]], consumer_by: ["username", "custom_id"] });
    await s.protect("/anonymous", { ...STRICT, anonymous: "guest", scopes_required: ["read"] });
    await s.protect("/anonymous-id", { ...STRICT, anonymous: consumers["guest"]!.id });
    await s.protect("/anonymous-ghost", { ...STRICT, anonymous: "ghost" });
    await s.protect("/credential", { ...STRICT, credential_claim: ["client_id"] });
    await s.protect("/claim-headers", { ...STRICT, upstream_headers_claims: ["sub", "scope", "realm_access"], upstream_headers_names: ["x-user", "x-scope", "x-realm"] });
    await untilRouted(s.tether, "/claim-headers");
  });
  after(() => s.stop());

  async function assertForbidden(path: string, token: string, message = "Forbidden"): Promise<void> {
    const before = s.echo.requests.length;
    const res = await call(path, token);
    assert.equal(res.status, 403, res.text);
    assert.deepEqual(res.body, { message });
    assert.equal(res.headers["www-authenticate"], FORBIDDEN);
    assert.equal(s.echo.requests.length, before, "nothing reached the upstream");
  }

  describe("claims", () => {
    it("scopes_required: entries OR-ed, values in an entry AND-ed", async () => {
      assert.equal((await call("/scopes", await sign({ scope: "openid read write" }))).status, 200);
      assert.equal((await call("/scopes", await sign({ scope: ["admin"] }))).status, 200);
      await assertForbidden("/scopes", await sign({ scope: "read" }));
      await assertForbidden("/scopes", await sign({}));
    });

    it("display_errors shows Kong's reason", async () => {
      await assertForbidden("/scopes-verbose", await sign({ scope: "openid read" }), "Forbidden (required scopes are missing. Found: [ openid read ])");
      await assertForbidden("/scopes-verbose", await sign({}), "Forbidden (scopes required but no scopes found)");
    });

    it("audience_required", async () => {
      assert.equal((await call("/audience", await sign())).status, 200);
      assert.equal((await call("/audience", await sign({ aud: ["x", "https://api.tether.test"] }))).status, 200);
      await assertForbidden("/audience", await sign({ aud: "https://other.example" }));
    });

    it("groups_required on a nested claim path", async () => {
      assert.equal((await call("/groups", await sign({ realm_access: { groups: ["employee", "marketing"] } }))).status, 200);
      assert.equal((await call("/groups", await sign({ realm_access: { groups: "super-admins" } }))).status, 200);
      await assertForbidden("/groups", await sign({ realm_access: { groups: ["employee"] } }));
      await assertForbidden("/groups", await sign({ groups: ["super-admins"] }));
    });

    it("roles_required (space-separated string)", async () => {
      assert.equal((await call("/roles", await sign({ roles: "writer reader" }))).status, 200);
      await assertForbidden("/roles", await sign({ roles: "writer" }));
    });

    it("claims_forbidden", async () => {
      assert.equal((await call("/forbidden-claims", await sign())).status, 200);
      await assertForbidden("/forbidden-claims", await sign({ act: { sub: "admin" } }));
    });

    it("issuers_allowed: another issuer (also spelled with a trailing slash) → 200 there, 401 elsewhere", async () => {
      const other = await sign({ iss: "https://other.example/realms/x" });
      assert.equal((await call("/issuers", other)).status, 200);
      assert.equal((await call("/issuers", await sign({ iss: "https://other.example/realms/x/" }))).status, 200);
      assert.equal((await call("/issuers", await sign())).status, 200, "the discovered issuer still counts");
      const res = await call("/roles", other);
      assert.equal(res.status, 401);
      assert.equal(res.headers["www-authenticate"], UNAUTHORIZED);
      assert.equal((await call("/issuers", await sign({ iss: "https://evil.example/realms/x" }))).status, 401);
    });

    it("forbidden_error_message / unauthorized_error_message; expose_error_code false drops error=", async () => {
      const res = await call("/messages", await sign({ scope: "read" }));
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { message: "Nope" });
      assert.equal(res.headers["www-authenticate"], 'Bearer realm="localhost"');
      const none = await call("/messages", undefined);
      assert.deepEqual([none.status, none.body, none.headers["www-authenticate"]], [401, { message: "Who?" }, 'Bearer realm="localhost"']);
    });

    it("opaque tokens: the scopes come from the introspection answer", async () => {
      const res = await s.idp.token({ ...CLIENTS.certBound, cert: s.pki.clients.alice, resource: OPAQUE_RESOURCE, scope: "read" });
      const token = res.body.access_token as string;
      assert.equal((await call("/introspected-scopes", token)).status, 200);
      await assertForbidden("/introspected-write", token);
    });
  });

  describe("consumers", () => {
    it("consumer_claim + consumer_by: X-Consumer-* set, client-sent copies replaced or removed", async () => {
      const token = await s.token({ cert: s.pki.clients.alice });
      const res = await call("/consumer", token, { "x-consumer-id": "spoofed", "x-anonymous-consumer": "true", "x-consumer-username": "root" });
      assert.equal(res.status, 200, res.text);
      const h = upstream();
      assert.equal(h["x-consumer-id"], consumers["svc"]!.id);
      assert.equal(h["x-consumer-custom-id"], "cert-bound");
      assert.equal(h["x-consumer-username"], "svc");
      assert.equal(h["x-credential-identifier"], "cert-bound", "credential_claim defaults to sub");
      assert.equal(h["x-anonymous-consumer"], undefined);
    });

    it("no consumer for the claim → 403 insufficient_scope", async () => {
      await assertForbidden("/consumer", await sign({ client_id: "nobody" }));
    });

    it("consumer_optional: continues without a consumer (X-Consumer-* removed), credential still identified", async () => {
      const res = await call("/consumer-optional", await sign({ client_id: "nobody" }), { "x-consumer-id": "spoofed", "x-consumer-custom-id": "x" });
      assert.equal(res.status, 200);
      const h = upstream();
      assert.equal(h["x-consumer-id"], undefined);
      assert.equal(h["x-consumer-custom-id"], undefined);
      assert.equal(h["x-credential-identifier"], "user-1");
    });

    it("by_username_ignore_case", async () => {
      const token = await sign({ preferred_username: "ALICE" });
      await assertForbidden("/consumer-case", token);
      assert.equal((await call("/consumer-nocase", token)).status, 200);
      assert.equal(upstream()["x-consumer-username"], "alice");
    });

    it("consumer_claims: each path in turn, first consumer found wins", async () => {
      assert.equal((await call("/consumer-claims", await sign({ user: { name: "alice" }, client_id: "cert-bound" }))).status, 200);
      assert.equal(upstream()["x-consumer-username"], "alice");
      assert.equal((await call("/consumer-claims", await sign({ user: { name: "nobody" }, client_id: "cert-bound" }))).status, 200);
      assert.equal(upstream()["x-consumer-username"], "svc");
    });

    it("credential_claim", async () => {
      assert.equal((await call("/credential", await s.token({ cert: s.pki.clients.alice }))).status, 200);
      assert.equal(upstream()["x-credential-identifier"], "cert-bound");
    });
  });

  describe("anonymous", () => {
    it("no token, a bad token, a PoP mismatch, a missing scope: all continue as the anonymous consumer", async () => {
      const good = await sign({ scope: "read" });
      const cases: [string | undefined, Pem | null][] = [
        [undefined, s.pki.clients.alice],
        ["garbage.token.here", s.pki.clients.alice],
        [good, s.pki.clients.bob],
        [await sign({ scope: "write" }), s.pki.clients.alice],
      ];
      for (const [token, cert] of cases) {
        const res = await call("/anonymous", token, { "x-credential-identifier": "spoofed" }, cert);
        assert.equal(res.status, 200, res.text);
        const h = upstream();
        assert.equal(h["x-anonymous-consumer"], "true");
        assert.equal(h["x-consumer-username"], "guest");
        assert.equal(h["x-consumer-id"], consumers["guest"]!.id);
        assert.equal(h["x-credential-identifier"], undefined);
      }
      assert.equal((await call("/anonymous", good)).status, 200);
      assert.equal(upstream()["x-anonymous-consumer"], undefined, "a good token is not anonymous");
      assert.equal(upstream()["x-credential-identifier"], "user-1");
    });

    it("anonymous by consumer id", async () => {
      assert.equal((await call("/anonymous-id", undefined)).status, 200);
      assert.equal(upstream()["x-consumer-username"], "guest");
    });

    it("an anonymous consumer that does not exist → 500; a good token still passes", async () => {
      const res = await call("/anonymous-ghost", undefined);
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { message: "An unexpected error occurred" });
      assert.equal((await call("/anonymous-ghost", await sign())).status, 200);
    });

    it("with anonymous set, openid-connect steps aside when mtls-auth (priority 1600) already authenticated", async (t) => {
      const ca = await adminJson(s.tether, "POST", "/ca_certificates", { cert: s.pki.ca.cert });
      if (ca.status !== 201) return t.skip(`ca_certificates: ${ca.status}`);
      const services = [
        (await s.protect("/mtls-then-oidc", { ...STRICT, anonymous: "guest" })).serviceId,
        (await s.protect("/mtls-then-oidc-strict", { ...STRICT })).serviceId,
      ];
      for (const svc of services) {
        const plugin = await adminJson(s.tether, "POST", `/services/${svc}/plugins`, { name: "mtls-auth", config: { ca_certificates: [ca.body.id] } });
        if (plugin.status !== 201) return t.skip(`mtls-auth: ${plugin.status} ${JSON.stringify(plugin.body)}`);
      }
      await untilRouted(s.tether, "/mtls-then-oidc-strict");
      await new Promise((r) => setTimeout(r, 1_200)); // the plugin writes reach the proxy's snapshot
      const res = await call("/mtls-then-oidc", undefined);
      assert.equal(res.status, 200, res.text);
      assert.equal(upstream()["x-consumer-username"], "alice", "mtls-auth's consumer, not the anonymous one");
      assert.equal(upstream()["x-anonymous-consumer"], undefined);
      const strict = await call("/mtls-then-oidc-strict", undefined);
      assert.equal(strict.status, 401, "without anonymous, openid-connect still requires its token (logical AND)");
    });
  });

  it("upstream_headers_claims → upstream_headers_names; an absent claim removes the client's copy", async () => {
    const res = await call("/claim-headers", await sign({ scope: ["read", "write"], realm_access: { roles: ["a"] } }), { "x-realm": "spoofed" });
    assert.equal(res.status, 200);
    const h = upstream();
    assert.equal(h["x-user"], "user-1");
    assert.equal(h["x-scope"], "read, write");
    assert.equal(h["x-realm"], '{"roles":["a"]}');
    await call("/claim-headers", await sign({}), { "x-scope": "spoofed" });
    assert.equal(upstream()["x-scope"], undefined);
  });
});
