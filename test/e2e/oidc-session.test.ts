// auth_methods session against the real proxy and IdP: the encrypted cookie made after a bearer
// or introspection authentication (Kong's flags), PoP on every request that uses it, the idle,
// rolling and absolute timeouts, tampered and foreign cookies, the replay of a session from a
// route without PoP onto a PoP route (issue 4), disable_session, the installation secret, logs.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deriveSessionKey, seal } from "../../packages/plugins/src/openid-connect/session/cookie-codec.ts";
import { encodeRecord } from "../../packages/plugins/src/openid-connect/session/record.ts";
import type { Pem } from "../fixtures/pki/index.ts";
import { CLIENTS, OPAQUE_RESOURCE, USERS } from "../fixtures/idp/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { mulberry32 } from "../helpers/prng.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson, startTether, waitFor } from "../helpers/tether.ts";

const SHARED = "one-secret-for-two-routes-3b9f2e";
const OTHER = "another-secret-altogether-8c41d0";
const CHALLENGE = 'Bearer realm="localhost", error="invalid_token"';
const MISMATCH = "the client certificate thumbprint does not match the x5t#S256 claim";
const NO_CERT = "client certificate was not specified";
const GATEWAY = { client_id: [CLIENTS.gateway.clientId], client_secret: [CLIENTS.gateway.clientSecret] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Response = Awaited<ReturnType<typeof tlsRequest>>;

/** The Set-Cookie values of a response. */
function setCookies(res: Response): string[] {
  const value = res.headers["set-cookie"];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** `name=value` of the cookie `name` set by a response (the part a client sends back). */
function cookie(res: Response, name = "session"): string {
  const line = setCookies(res).find((c) => c.startsWith(`${name}=`) && !c.startsWith(`${name}=;`));
  assert.ok(line, `no ${name} cookie set: ${JSON.stringify(setCookies(res))} (${res.status} ${res.text})`);
  return line.split(";", 1)[0]!;
}

/** True when the response deletes the cookie `name`. */
function clears(res: Response, name = "session"): boolean {
  return setCookies(res).some((c) => c.startsWith(`${name}=;`) && /Max-Age=0/.test(c));
}

describe("openid-connect sessions", () => {
  let s: Scenario;
  /** Everything that must never appear in a log line. */
  const secrets = new Set<string>([SHARED, OTHER, USERS.alice!, CLIENTS.gateway.clientSecret]);
  const remember = <T extends string>(value: T): T => (secrets.add(value), value);
  const call = (path: string, opts: { token?: string; cookie?: string; cert?: Pem | null; headers?: Record<string, string> } = {}) =>
    tlsRequest({
      port: s.tether.httpsPort,
      path,
      cert: opts.cert === null ? undefined : (opts.cert ?? s.pki.clients.alice),
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
    });
  const bound = async () => remember(await s.token({ cert: s.pki.clients.alice }));
  /** A session cookie made on `path` by a bound bearer token (alice). */
  const sessionOn = async (path: string, token?: string): Promise<string> => {
    const res = await call(path, { token: token ?? (await bound()) });
    assert.equal(res.status, 200, res.text);
    return remember(cookie(res));
  };

  before(async () => {
    s = await startScenario();
    const session = { auth_methods: ["bearer", "session"], session_secret: SHARED };
    await s.protect("/strict", { ...session, proof_of_possession_mtls: "strict" });
    await s.protect("/strict-2", { ...session, proof_of_possession_mtls: "strict" });
    await s.protect("/optional", { ...session, proof_of_possession_mtls: "optional" });
    await s.protect("/nopop", session);
    await s.protect("/other-secret", { ...session, session_secret: OTHER });
    await s.protect("/flags", {
      ...session,
      session_cookie_name: "sid",
      session_cookie_path: "/flags",
      session_cookie_domain: "localhost",
      session_cookie_same_site: "Strict",
      session_cookie_http_only: false,
      session_cookie_secure: false,
    });
    await s.protect("/samesite-default", { ...session, session_cookie_same_site: "Default" });
    await s.protect("/idle", { ...session, session_idling_timeout: 2, session_rolling_timeout: 0, session_absolute_timeout: 0 });
    await s.protect("/absolute", { ...session, session_idling_timeout: 0, session_rolling_timeout: 0, session_absolute_timeout: 2 });
    await s.protect("/rolling", { ...session, session_idling_timeout: 0, session_rolling_timeout: 2, session_absolute_timeout: 0 });
    await s.protect("/disabled", { ...session, proof_of_possession_mtls: "strict", disable_session: ["bearer"] });
    await s.protect("/hide", { ...session, hide_credentials: true });
    await s.protect("/keep-on-401", { ...session, proof_of_possession_mtls: "strict", unauthorized_destroy_session: false });
    await s.protect("/scoped", { ...session, proof_of_possession_mtls: "strict", scopes_required: ["admin"] });
    await s.protect("/intro", {
      auth_methods: ["introspection", "session"],
      proof_of_possession_mtls: "strict",
      session_secret: SHARED,
      reverify: true,
      cache_introspection: false,
      ...GATEWAY,
    });
    const grantSessions = {
      auth_methods: ["bearer", "password", "session"],
      proof_of_possession_mtls: "strict",
      proof_of_possession_auth_methods_validation: false,
      session_secret: SHARED,
      ...GATEWAY,
    };
    await s.protect("/validation-off", grantSessions);
    await s.protect("/validation-off-2", grantSessions);
    await s.protect("/default-secret", { auth_methods: ["bearer", "session"], proof_of_possession_mtls: "strict" });
    await untilRouted(s.tether, "/default-secret");
  });
  after(() => s.stop());

  it("bearer creates a session: Kong's cookie `session` with Path=/, SameSite=Lax, HttpOnly, Secure (HTTPS)", async () => {
    const res = await call("/strict", { token: await bound() });
    assert.equal(res.status, 200, res.text);
    const line = setCookies(res).find((c) => c.startsWith("session="))!;
    remember(line.split(";", 1)[0]!);
    assert.match(line, /^session=[A-Za-z0-9_-]+; Path=\/; SameSite=Lax; HttpOnly; Secure$/);
    assert.ok(!/Expires|Max-Age/.test(line), "a browser-session cookie; the timeouts are enforced inside it");
  });

  it("the cookie alone passes with the bound certificate, and the upstream gets the stored token", async () => {
    const token = await bound();
    const jar = await sessionOn("/strict", token);
    const res = await call("/strict", { cookie: jar });
    assert.equal(res.status, 200, res.text);
    assert.equal(s.echo.requests.at(-1)!.headers["authorization"], `Bearer ${token}`);
  });

  it("PoP on sessions: the cookie without a certificate → 401 not specified; with bob's → 401 mismatch; both clear it", async () => {
    const jar = await sessionOn("/strict");
    const before = s.echo.requests.length;
    const none = await call("/strict", { cookie: jar, cert: null });
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { message: "Unauthorized" });
    assert.equal(none.headers["www-authenticate"], `${CHALLENGE}, error_description="${NO_CERT}"`);
    assert.ok(clears(none), "unauthorized_destroy_session");
    const bob = await call("/strict", { cookie: jar, cert: s.pki.clients.bob });
    assert.equal(bob.status, 401);
    assert.equal(bob.headers["www-authenticate"], `${CHALLENGE}, error_description="${MISMATCH}"`);
    assert.equal(s.echo.requests.length, before, "nothing reached the upstream");
  });

  it("a session made on one PoP instance works on another sharing the secret — with the certificate only", async () => {
    const jar = await sessionOn("/strict");
    assert.equal((await call("/strict-2", { cookie: jar })).status, 200);
    assert.equal((await call("/strict-2", { cookie: jar, cert: null })).status, 401);
    assert.equal((await call("/optional", { cookie: jar, cert: s.pki.clients.bob })).status, 401, "optional checks a bound session too");
  });

  it("issue 4's replay: a session from a route without PoP (unbound token, no certificate) → 401 on PoP routes sharing the secret", async () => {
    const unbound = remember(await s.token({ bound: false }));
    const made = await call("/nopop", { token: unbound, cert: null });
    assert.equal(made.status, 200, made.text);
    const jar = remember(cookie(made));
    assert.equal((await call("/nopop", { cookie: jar, cert: null })).status, 200, "valid where it was made");
    const before = s.echo.requests.length;
    for (const path of ["/strict", "/optional"]) {
      for (const cert of [null, s.pki.clients.alice]) {
        const res = await call(path, { cookie: jar, cert });
        assert.equal(res.status, 401, `${path} with ${cert ? "a" : "no"} certificate`);
        assert.equal(res.headers["www-authenticate"], CHALLENGE);
        assert.ok(clears(res));
      }
    }
    assert.equal(s.echo.requests.length, before, "nothing reached the upstream");
    await waitFor(async () => s.tether.logs.some((l) => l.msg === "openid-connect: session cookie ignored" && l["reason"] === "the session was created without proof of possession"), 2_000);
  });

  it("a session made with another secret is ignored (401), and the process keeps serving", async () => {
    const jar = await sessionOn("/other-secret");
    assert.equal((await call("/other-secret", { cookie: jar })).status, 200);
    const res = await call("/nopop", { cookie: jar });
    assert.equal(res.status, 401);
    assert.ok(clears(res));
  });

  it("tampered cookies — bit flips, truncation, padding, garbage, other secrets, forged records, too many chunks — are refused", async () => {
    const jar = await sessionOn("/nopop");
    const value = jar.slice("session=".length);
    const random = mulberry32(4);
    const variants: string[] = [];
    for (let i = 0; i < 24; i++) {
      const bytes = Buffer.from(value, "base64url");
      const at = Math.floor(random() * bytes.length);
      bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8));
      variants.push(bytes.toString("base64url"));
    }
    variants.push(value.slice(0, -1), value.slice(0, 40), value.slice(1), `${value}A`, `${value}==`, "", "x", "%00%ff", "a".repeat(5000), value.replace(/./, "!"));
    // Sealed correctly, but under a wrong secret, audience or name, or holding no session.
    const record = { method: "bearer", instance: "x", pop: "strict", token: "t", jwt: false, introspection: undefined, thumbprint: undefined, expiresAt: undefined } as const;
    const clock = { createdAt: Date.now(), rolledAt: Date.now(), seenAt: Date.now() };
    variants.push(seal(deriveSessionKey(OTHER, "default"), "session", encodeRecord({ ...record, clock })));
    variants.push(seal(deriveSessionKey(SHARED, "other-audience"), "session", encodeRecord({ ...record, clock })));
    variants.push(seal(deriveSessionKey(SHARED, "default"), "sid", encodeRecord({ ...record, clock })));
    variants.push(seal(deriveSessionKey(SHARED, "default"), "session", Buffer.from('{"v":2,"anything":true}')));
    variants.push(seal(deriveSessionKey(SHARED, "default"), "session", Buffer.from("not json")));
    const before = s.echo.requests.length;
    for (const variant of variants) {
      const res = await call("/nopop", { cookie: `session=${variant}` });
      assert.equal(res.status, 401, `variant ${variant.slice(0, 30)}…`);
      assert.equal(res.headers["www-authenticate"], CHALLENGE);
    }
    const chunks = Array.from({ length: 10 }, (_, i) => `${i === 0 ? "session" : `session_${i + 1}`}=${value}`).join("; ");
    assert.equal((await call("/nopop", { cookie: chunks })).status, 401, "ten chunks");
    assert.equal(s.echo.requests.length, before);
    // With a garbage cookie and a good bearer token the token decides, and a fresh cookie replaces the bad one.
    const token = await bound();
    const res = await call("/nopop", { cookie: "session=garbage", token });
    assert.equal(res.status, 200);
    assert.ok(cookie(res));
    assert.equal((await call("/nopop", { cookie: jar })).status, 200, "still serving, the good cookie still good");
  });

  it("Set-Cookie flags follow the config: name, Path, Domain, SameSite=Strict, no HttpOnly, no Secure; SameSite=Default sends none", async () => {
    const res = await call("/flags", { token: await bound() });
    assert.equal(res.status, 200, res.text);
    const line = setCookies(res).find((c) => c.startsWith("sid="))!;
    remember(line.split(";", 1)[0]!);
    assert.match(line, /^sid=[A-Za-z0-9_-]+; Path=\/flags; Domain=localhost; SameSite=Strict$/);
    assert.equal((await call("/flags", { cookie: line.split(";", 1)[0]! })).status, 200);
    const plain = await call("/samesite-default", { token: await bound() });
    const other = setCookies(plain).find((c) => c.startsWith("session="))!;
    remember(other.split(";", 1)[0]!);
    assert.match(other, /; Path=\/; HttpOnly; Secure$/);
  });

  it("over plain HTTP the cookie is not Secure (session_cookie_secure unset)", async () => {
    const token = remember(await s.token({ bound: false }));
    const res = await fetch(`http://127.0.0.1:${s.tether.httpPort}/nopop`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const line = res.headers.getSetCookie().find((c) => c.startsWith("session="))!;
    remember(line.split(";", 1)[0]!);
    assert.match(line, /; Path=\/; SameSite=Lax; HttpOnly$/);
  });

  it("idling timeout (2 s): a cookie in use is touched (re-issued) and lives on; an idle one expires", async () => {
    const first = await sessionOn("/idle");
    await sleep(1200);
    const used = await call("/idle", { cookie: first });
    assert.equal(used.status, 200);
    const touched = remember(cookie(used));
    assert.notEqual(touched, first);
    await sleep(1400);
    assert.equal((await call("/idle", { cookie: first })).status, 401, "2.6 s idle");
    assert.equal((await call("/idle", { cookie: touched })).status, 200, "1.4 s idle");
  });

  it("absolute timeout (2 s): the session ends however much it is used", async () => {
    const jar = await sessionOn("/absolute");
    await sleep(1000);
    const used = await call("/absolute", { cookie: jar });
    assert.equal(used.status, 200);
    assert.equal(setCookies(used).length, 0, "nothing to refresh without idling/rolling timeouts");
    await sleep(1300);
    const res = await call("/absolute", { cookie: jar });
    assert.equal(res.status, 401);
    assert.ok(clears(res));
  });

  it("rolling timeout (2 s): after 3/4 of it the session is re-issued as a new period; the old cookie ends", async () => {
    const first = await sessionOn("/rolling");
    await sleep(1700);
    const used = await call("/rolling", { cookie: first });
    assert.equal(used.status, 200);
    const rolled = remember(cookie(used));
    await sleep(700);
    assert.equal((await call("/rolling", { cookie: first })).status, 401, "2.4 s into its period");
    assert.equal((await call("/rolling", { cookie: rolled })).status, 200, "0.7 s into the new one");
  });

  it("a session whose stored token expired → 401 error_description=\"The access token expired\", cookie cleared", async () => {
    const now = Math.floor(Date.now() / 1000);
    const short = remember(await s.idp.sign({ iss: s.idp.issuer, sub: "short-lived", aud: "https://api.tether.test", iat: now, exp: now + 2 }));
    const made = await call("/nopop", { token: short });
    assert.equal(made.status, 200, made.text);
    const jar = remember(cookie(made));
    await waitFor(async () => Date.now() / 1000 > now + 2.2, 5_000, 100);
    const res = await call("/nopop", { cookie: jar });
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], `${CHALLENGE}, error_description="The access token expired"`);
    assert.ok(clears(res));
  });

  it("unauthorized_destroy_session false keeps the cookie on a 401; a 403 clears it (forbidden_destroy_session)", async () => {
    const jar = await sessionOn("/strict");
    const kept = await call("/keep-on-401", { cookie: jar, cert: null });
    assert.equal(kept.status, 401);
    assert.ok(!clears(kept));
    const forbidden = await call("/scoped", { cookie: jar });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers["www-authenticate"], 'Bearer realm="localhost", error="insufficient_scope"');
    assert.ok(clears(forbidden));
  });

  it("disable_session: bearer creates no session", async () => {
    const res = await call("/disabled", { token: await bound() });
    assert.equal(res.status, 200);
    assert.equal(setCookies(res).length, 0);
  });

  it("hide_credentials: the session cookie does not reach the upstream, other cookies do", async () => {
    const jar = await sessionOn("/hide");
    const res = await call("/hide", { cookie: `theme=dark; ${jar}; lang=en` });
    assert.equal(res.status, 200);
    assert.equal(s.echo.requests.at(-1)!.headers["cookie"], "theme=dark; lang=en");
    await call("/nopop", { cookie: jar });
    assert.equal(s.echo.requests.at(-1)!.headers["cookie"], jar, "without hide_credentials it is forwarded");
  });

  it("introspection sessions: PoP against the introspection answer's cnf; reverify ends the session when the token is revoked", async () => {
    const opaque = remember(await s.token({ cert: s.pki.clients.alice, resource: OPAQUE_RESOURCE }));
    const made = await call("/intro", { token: opaque });
    assert.equal(made.status, 200, made.text);
    const jar = remember(cookie(made));
    assert.equal((await call("/intro", { cookie: jar })).status, 200);
    const bob = await call("/intro", { cookie: jar, cert: s.pki.clients.bob });
    assert.equal(bob.headers["www-authenticate"], `${CHALLENGE}, error_description="${MISMATCH}"`);
    assert.equal((await s.idp.revoke({ ...CLIENTS.certBound, cert: s.pki.clients.alice, token: opaque })).status, 200);
    const revoked = await call("/intro", { cookie: jar });
    assert.equal(revoked.status, 401, "reverify introspected the stored token again");
  });

  it("validation false: a password-grant session passes PoP-free on the instance that made it, and nowhere else", async () => {
    const basic = `Basic ${Buffer.from(`alice:${USERS.alice}`).toString("base64")}`;
    const made = await call("/validation-off", { headers: { authorization: basic }, cert: null });
    assert.equal(made.status, 200, made.text);
    const jar = remember(cookie(made));
    assert.equal((await call("/validation-off", { cookie: jar, cert: null })).status, 200, "Kong: PoP skipped for sessions of other methods");
    const elsewhere = await call("/validation-off-2", { cookie: jar, cert: null });
    assert.equal(elsewhere.status, 401, "another PoP instance with the same settings and secret refuses it");
    // Log lines arrive on the child's stdout a little after the response.
    await waitFor(async () => s.tether.logs.some((l) => l["reason"] === "a session created by password cannot be used with proof of possession"), 2_000);
    assert.equal((await call("/strict", { cookie: jar })).status, 401);
  });

  it("without session_secret the installation secret (prefix/secrets/session.key, 0600) keys the cookie", async () => {
    const path = join(s.tether.prefix, "data", "secrets", "session.key");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    secrets.add(readFileSync(path, "utf8").trim());
    const jar = await sessionOn("/default-secret");
    assert.equal((await call("/default-secret", { cookie: jar })).status, 200);
    assert.equal((await call("/strict", { cookie: jar })).status, 401, "not readable under an explicit secret");
  });

  it("two workers and a restart share the installation secret: a cookie made by one worker opens on every worker, before and after", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "tether-session-restart-"));
    const env = { TETHER_TRUSTED_CERTIFICATE: s.pki.ca.certPath, TETHER_WORKERS: "2" };
    let t = await startTether({ prefix, keepPrefix: true, env });
    /** 20 answers in a row that are not 404: new connections are spread over the workers, so all have the route. */
    const routed = async (): Promise<void> => {
      let streak = 0;
      await waitFor(async () => {
        streak = (await tlsRequest({ port: t.httpsPort, path: "/r" })).status !== 404 ? streak + 1 : 0;
        return streak >= 20;
      }, 10_000, 5);
    };
    try {
      assert.equal((await adminJson(t, "POST", "/services", { name: "svc", url: s.echo.url })).status, 201);
      assert.equal((await adminJson(t, "POST", "/services/svc/routes", { paths: ["/r"] })).status, 201);
      assert.equal((await adminJson(t, "POST", "/services/svc/plugins", { name: "tls-handshake-modifier" })).status, 201);
      const plugin = { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer", "session"], proof_of_possession_mtls: "strict" } };
      assert.equal((await adminJson(t, "POST", "/services/svc/plugins", plugin)).status, 201);
      await routed();
      const made = await tlsRequest({ port: t.httpsPort, path: "/r", cert: s.pki.clients.alice, headers: { authorization: `Bearer ${await bound()}` } });
      const jar = remember(cookie(made));
      const everywhere = async (): Promise<number[]> => {
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) statuses.push((await tlsRequest({ port: t.httpsPort, path: "/r", cert: s.pki.clients.alice, headers: { cookie: jar } })).status);
        return statuses;
      };
      assert.deepEqual(await everywhere(), Array(8).fill(200));
      await t.stop();
      t = await startTether({ prefix, keepPrefix: true, env });
      await routed();
      assert.deepEqual(await everywhere(), Array(8).fill(200));
      secrets.add(readFileSync(join(prefix, "data", "secrets", "session.key"), "utf8").trim());
      const logs = JSON.stringify(t.logs) + t.stderr.join("\n");
      assert.ok(!logs.includes(jar.slice("session=".length)), "the workers log no cookie");
    } finally {
      await t.stop();
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("no log line holds a token, a secret, a password or a session cookie value", async () => {
    await new Promise((r) => setTimeout(r, 300)); // let the last log lines arrive from the child's stdout
    const all = JSON.stringify(s.tether.logs) + s.tether.stderr.join("\n");
    assert.ok(s.tether.logs.some((l) => l.msg === "openid-connect: request refused"), "refusals are logged");
    for (const secret of secrets) {
      const value = secret.includes("=") ? secret.slice(secret.indexOf("=") + 1) : secret;
      if (value.length < 8) continue;
      assert.ok(!all.includes(value), `a log line holds ${value.slice(0, 12)}…`);
      for (const part of value.split(".")) if (part.length > 16) assert.ok(!all.includes(part), `a log line holds part of ${value.slice(0, 12)}…`);
    }
  });
});
