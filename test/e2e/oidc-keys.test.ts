// The issuer's keys over time: the Admin API's view of the discovery cache, refetch on an unknown
// kid (single flight, bounded by rediscovery_lifetime), an IdP outage (held keys keep serving,
// unknown keys get 401 not 500, the failure is logged) and a key rotation (IdP restarted with new
// keys on the same port). The tests run in order and share one IdP timeline.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { thumbprint } from "../fixtures/pki/index.ts";
import { startIdp } from "../fixtures/idp/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const LIFETIME_S = 1;
const CHALLENGE = 'Bearer realm="localhost", error="invalid_token"';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("openid-connect keys, outages and the issuers Admin API", () => {
  let s: Scenario;
  let original: Scenario["idp"];
  let claims: () => Record<string, unknown>;
  const jwksFetches = (): number => s.idp.calls["/jwks"] ?? 0;
  const call = (token: string, path = "/api") =>
    tlsRequest({ port: s.tether.httpsPort, path, cert: s.pki.clients.alice, headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    s = await startScenario();
    original = s.idp;
    await s.protect("/api", { proof_of_possession_mtls: "strict", rediscovery_lifetime: LIFETIME_S });
    await untilRouted(s.tether, "/api");
    const now = Math.floor(Date.now() / 1000);
    claims = () => ({ iss: s.idp.issuer, sub: "k", aud: "https://api.tether.test", iat: now, exp: now + 600, cnf: { "x5t#S256": thumbprint(s.pki.clients.alice.cert) } });
  });
  after(async () => {
    // s.stop() stops the IdP the scenario started; the restarted one is ours to stop.
    if (s.idp !== original) await s.idp.stop();
    await s.stop();
  });

  describe("Admin API", () => {
    it("GET /openid-connect/issuers: Kong's issuer object, with the discovery document and the public keys", async () => {
      // untilRouted's request (without a token) already needed discovery, as in Kong
      assert.equal((await call(await s.idp.sign(claims()))).status, 200);
      const res = await adminJson(s.tether, "GET", "/openid-connect/issuers");
      assert.equal(res.status, 200);
      assert.equal(res.body.next, null);
      assert.equal(res.body.data.length, 1);
      const issuer = res.body.data[0];
      assert.deepEqual(Object.keys(issuer).sort(), ["configuration", "created_at", "id", "issuer", "keys"]);
      assert.match(issuer.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(issuer.issuer, s.idp.issuer);
      assert.equal(typeof issuer.created_at, "number");
      assert.equal(issuer.configuration.issuer, s.idp.issuer);
      assert.equal(issuer.configuration.jwks_uri, `${s.idp.issuer}/jwks`);
      assert.deepEqual(issuer.keys.map((k: { kid: string }) => k.kid).sort(), s.idp.keys.map((k) => String(k.kid)).sort());
      assert.ok(issuer.keys.every((k: Record<string, unknown>) => k["d"] === undefined), "public keys only");

      const byId = await adminJson(s.tether, "GET", `/openid-connect/issuers/${issuer.id}`);
      assert.deepEqual([byId.status, byId.body], [200, issuer]);
      const byUrl = await adminJson(s.tether, "GET", `/openid-connect/issuers/${encodeURIComponent(s.idp.issuer)}`);
      assert.deepEqual([byUrl.status, byUrl.body.id], [200, issuer.id]);
      const missing = await adminJson(s.tether, "GET", "/openid-connect/issuers/00000000-0000-4000-8000-000000000000");
      assert.deepEqual([missing.status, missing.body], [404, { message: "Not found" }]);
    });

    it("GET /openid-connect/jwks: no plugin has a client_jwk here, so no keys (oidc-client-auth.test.ts lists some)", async () => {
      const res = await adminJson(s.tether, "GET", "/openid-connect/jwks");
      assert.deepEqual([res.status, res.body], [200, { keys: [] }]);
    });

    it("DELETE one issuer (204) forgets it; the next request discovers again", async () => {
      const { body } = await adminJson(s.tether, "GET", "/openid-connect/issuers");
      const discoveries = s.idp.calls["/.well-known/openid-configuration"] ?? 0;
      const del = await adminJson(s.tether, "DELETE", `/openid-connect/issuers/${body.data[0].id}`);
      assert.equal(del.status, 204);
      assert.deepEqual((await adminJson(s.tether, "GET", "/openid-connect/issuers")).body.data, []);
      assert.equal((await call(await s.idp.sign(claims()))).status, 200);
      assert.equal(s.idp.calls["/.well-known/openid-configuration"], discoveries + 1);
      assert.equal((await adminJson(s.tether, "GET", "/openid-connect/issuers")).body.data.length, 1);
    });

    it("DELETE /openid-connect/issuers (all) → 204", async () => {
      assert.equal((await adminJson(s.tether, "DELETE", "/openid-connect/issuers")).status, 204);
      assert.deepEqual((await adminJson(s.tether, "GET", "/openid-connect/issuers")).body, { data: [], next: null });
      assert.equal((await call(await s.idp.sign(claims()))).status, 200);
    });
  });

  describe("keys", () => {
    it("a repeated token is verified once: later requests hit the verified-token cache", async () => {
      const token = await s.idp.sign(claims());
      const t0 = performance.now();
      assert.equal((await call(token)).status, 200);
      const first = performance.now() - t0;
      const t1 = performance.now();
      for (let i = 0; i < 10; i++) assert.equal((await call(token)).status, 200);
      console.log(`# bearer JWT over new TLS connections: first ${first.toFixed(1)} ms, repeated ${((performance.now() - t1) / 10).toFixed(1)} ms`);
      const bob = await tlsRequest({ port: s.tether.httpsPort, path: "/api", cert: s.pki.clients.bob, headers: { authorization: `Bearer ${token}` } });
      assert.equal(bob.status, 401, "PoP still runs on a cache hit");
    });

    it("unknown kid: no refetch within rediscovery_lifetime, then one fetch for many concurrent requests", async () => {
      await sleep(LIFETIME_S * 1000 + 100);
      const unknown = await s.idp.sign(claims(), { kid: "not-published" });
      const before = jwksFetches();
      const first = await Promise.all(Array.from({ length: 10 }, () => call(unknown)));
      assert.deepEqual(first.map((r) => r.status), Array(10).fill(401));
      assert.equal(first[0]!.headers["www-authenticate"], CHALLENGE);
      assert.equal(jwksFetches(), before + 1, "single flight");
      const again = await Promise.all(Array.from({ length: 10 }, () => call(unknown)));
      assert.deepEqual(again.map((r) => r.status), Array(10).fill(401));
      assert.equal(jwksFetches(), before + 1, "cooldown: rediscovery_lifetime has not passed");
    });

    it("IdP down: tokens with known keys keep passing; an unknown kid gets 401 (not 500) and the failure is logged", async () => {
      const fresh = await s.idp.sign(claims()); // never seen: really verified, with the held keys
      const unknown = await s.idp.sign(claims(), { kid: "still-not-published" });
      await s.idp.stop();
      await sleep(LIFETIME_S * 1000 + 100);
      assert.equal((await call(fresh)).status, 200);
      const res = await call(unknown);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { message: "Unauthorized" });
      assert.equal(res.headers["www-authenticate"], CHALLENGE);
      await waitFor(async () => s.tether.logs.some((l) => l.level === "error" && /openid-connect (discovery failed|: fetching the issuer's keys failed)/.test(l.msg)), 3_000);
      assert.equal((await call(await s.idp.sign(claims()))).status, 200, "and known keys still serve after the failed refetch");
    });

    it("key rotation: the IdP comes back on the same port with new keys; new tokens pass after the refetch, old-key tokens fail", async () => {
      const oldSeen = await s.idp.sign(claims()); // verified (and cached) before the rotation
      assert.equal((await call(oldSeen)).status, 200);
      const oldUnseen = await s.idp.sign(claims());
      s.idp = await startIdp({ pki: s.pki, port: s.idp.port });
      assert.notDeepEqual(s.idp.keys.map((k) => k.kid), []);
      await sleep(5_100); // past the 5 s retry delay after the failed attempt during the outage
      const fresh = await s.token({ cert: s.pki.clients.alice });
      assert.equal((await call(fresh)).status, 200, "the new kid was fetched");
      for (const old of [oldUnseen, oldSeen]) {
        const res = await call(old);
        assert.equal(res.status, 401, "a token under a withdrawn key is refused, even if it was verified before");
        assert.equal(res.headers["www-authenticate"], CHALLENGE);
      }
      const issuers = await adminJson(s.tether, "GET", "/openid-connect/issuers");
      assert.deepEqual(issuers.body.data[0].keys.map((k: { kid: string }) => k.kid).sort(), s.idp.keys.map((k) => String(k.kid)).sort());
    });
  });
});
