// auth_methods client_credentials and password against the real proxy and IdP: the gateway
// forwards the caller's credentials to the token endpoint and proxies with the token it gets;
// credential locations, hide_credentials, the token cache (IdP calls counted), the search order
// (bearer before grants, password before client_credentials), failures, sessions, logs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { CLIENTS, ES256_RESOURCE, USERS } from "../fixtures/idp/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";

const CHALLENGE = 'Bearer realm="localhost", error="invalid_token"';
const GATEWAY = { client_id: [CLIENTS.gateway.clientId], client_secret: [CLIENTS.gateway.clientSecret] };
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const UNBOUND = basic(CLIENTS.unbound.clientId, CLIENTS.unbound.clientSecret);
const ALICE = basic("alice", USERS.alice!);

describe("openid-connect grants (client_credentials, password)", () => {
  let s: Scenario;
  const tokenCalls = (): number => s.idp.calls["/token"] ?? 0;
  const call = (path: string, opts: { headers?: Record<string, string>; body?: string; method?: string } = {}) =>
    tlsRequest({ port: s.tether.httpsPort, path, method: opts.method ?? (opts.body ? "POST" : "GET"), headers: opts.headers, body: opts.body });
  /** The token the upstream received in Authorization. */
  const forwarded = (): string => {
    const value = String(s.echo.requests.at(-1)!.headers["authorization"] ?? "");
    assert.match(value, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    return value.slice("Bearer ".length);
  };
  const seen: string[] = [];

  before(async () => {
    s = await startScenario();
    await s.protect("/cc", { auth_methods: ["client_credentials"] });
    await s.protect("/cc-uncached", { auth_methods: ["client_credentials"], cache_tokens: false });
    await s.protect("/cc-body", { auth_methods: ["client_credentials"], client_credentials_param_type: ["body"], hide_credentials: true, cache_tokens: false });
    await s.protect("/cc-query", { auth_methods: ["client_credentials"], client_credentials_param_type: ["query"], hide_credentials: true, cache_tokens: false });
    await s.protect("/cc-es256", {
      auth_methods: ["client_credentials"],
      token_post_args_names: ["resource"],
      token_post_args_values: [ES256_RESOURCE],
      token_headers_replay: ["cache-control"],
      token_headers_prefix: "x-idp-",
      cache_tokens: false,
    });
    await s.protect("/password", { auth_methods: ["password"], hide_credentials: true, ...GATEWAY });
    await s.protect("/password-query", { auth_methods: ["password"], password_param_type: ["query"], hide_credentials: true, cache_tokens: false, ...GATEWAY });
    await s.protect("/password-no-client", { auth_methods: ["password"] });
    await s.protect("/both", { auth_methods: ["password", "client_credentials"], cache_tokens: false, ...GATEWAY });
    await s.protect("/bearer-first", { auth_methods: ["bearer", "client_credentials"], cache_tokens: false });
    await s.protect("/grant-session", { auth_methods: ["password", "session"], session_secret: "grant-session-secret-77aa", ...GATEWAY });
    await s.protect("/scoped", { auth_methods: ["password"], scopes_required: ["admin"], cache_tokens: false, ...GATEWAY });
    await untilRouted(s.tether, "/scoped");
  });
  after(() => s.stop());

  it("client_credentials: the caller's Basic id/secret → the IdP's token goes upstream as Bearer", async () => {
    const start = tokenCalls();
    const res = await call("/cc", { headers: { authorization: UNBOUND } });
    assert.equal(res.status, 200, res.text);
    assert.equal(tokenCalls(), start + 1);
    const token = forwarded();
    seen.push(token);
    const claims = decodeJwt(token);
    assert.equal(claims.client_id, CLIENTS.unbound.clientId);
    assert.equal(claims.iss, s.idp.issuer);
  });

  it("cache_tokens: the same credentials reuse the token (no IdP call); the key is a salted HMAC, so a wrong secret never hits", async () => {
    const first = await call("/cc", { headers: { authorization: UNBOUND } });
    assert.equal(first.status, 200);
    const token = forwarded();
    const start = tokenCalls();
    for (let i = 0; i < 3; i++) {
      assert.equal((await call("/cc", { headers: { authorization: UNBOUND } })).status, 200);
      assert.equal(forwarded(), token);
    }
    assert.equal(tokenCalls(), start, "served from the cache");
    const wrong = await call("/cc", { headers: { authorization: basic(CLIENTS.unbound.clientId, "not-the-secret") } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers["www-authenticate"], CHALLENGE);
    assert.equal(tokenCalls(), start + 1, "a wrong secret went to the IdP");
  });

  it("cache_tokens: concurrent first requests share one token request", async () => {
    const start = tokenCalls();
    const creds = basic(CLIENTS.gateway.clientId, CLIENTS.gateway.clientSecret);
    const all = await Promise.all(Array.from({ length: 6 }, () => call("/cc", { headers: { authorization: creds } })));
    assert.deepEqual(all.map((r) => r.status), Array(6).fill(200));
    assert.equal(tokenCalls(), start + 1);
  });

  it("cache_tokens false: every request asks the IdP", async () => {
    const start = tokenCalls();
    for (let i = 0; i < 2; i++) assert.equal((await call("/cc-uncached", { headers: { authorization: UNBOUND } })).status, 200);
    assert.equal(tokenCalls(), start + 2);
  });

  it("client_credentials in a form body (client_credentials_param_type body) with hide_credentials: the upstream body keeps only the rest", async () => {
    const body = new URLSearchParams({ client_id: CLIENTS.unbound.clientId, client_secret: CLIENTS.unbound.clientSecret, note: "kept" }).toString();
    const res = await call("/cc-body", { body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(res.status, 200, res.text);
    const upstream = s.echo.requests.at(-1)!;
    assert.equal(upstream.body, "note=kept");
    assert.equal(upstream.headers["content-length"], "9");
    seen.push(forwarded());
    const json = await call("/cc-body", { body: JSON.stringify({ client_id: CLIENTS.unbound.clientId, client_secret: CLIENTS.unbound.clientSecret, n: 1 }), headers: { "content-type": "application/json" } });
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(s.echo.requests.at(-1)!.body), { n: 1 });
    assert.equal((await call("/cc-body", { headers: { authorization: UNBOUND } })).status, 401, "the header is not a configured location here");
  });

  it("client_credentials in the query (param type query) with hide_credentials: the upstream URL loses them", async () => {
    const res = await call(`/cc-query?client_id=${CLIENTS.unbound.clientId}&client_secret=${CLIENTS.unbound.clientSecret}&page=2`);
    assert.equal(res.status, 200, res.text);
    assert.equal(s.echo.requests.at(-1)!.url, "/cc-query?page=2");
    const twice = await call(`/cc-query?client_id=a&client_id=b&client_secret=c`);
    assert.equal(twice.status, 401, "duplicated arguments are no credentials");
  });

  it("token_post_args_* reach the token endpoint (an ES256 token for another resource); token_headers_replay copies IdP headers to the client", async () => {
    const res = await call("/cc-es256", { headers: { authorization: UNBOUND } });
    assert.equal(res.status, 200, res.text);
    const token = forwarded();
    assert.equal(decodeProtectedHeader(token).alg, "ES256");
    assert.equal(decodeJwt(token).aud, ES256_RESOURCE);
    assert.equal(res.headers["x-idp-cache-control"], "no-store");
  });

  it("password: the caller's username/password with the configured client → the user's token upstream; Authorization replaced", async () => {
    const res = await call("/password", { headers: { authorization: ALICE } });
    assert.equal(res.status, 200, res.text);
    const token = forwarded();
    seen.push(token);
    const claims = decodeJwt(token);
    assert.equal(claims.sub, "alice");
    assert.equal(claims.client_id, CLIENTS.gateway.clientId);
  });

  it("password: a wrong password → 401, nothing reaches the upstream", async () => {
    const before = s.echo.requests.length;
    const res = await call("/password", { headers: { authorization: basic("alice", "wrong-password") } });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Unauthorized" });
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
    assert.equal(s.echo.requests.length, before);
  });

  it("password in the query with hide_credentials: neither username nor password goes upstream", async () => {
    const res = await call(`/password-query?username=bob&password=${USERS.bob}&q=1`);
    assert.equal(res.status, 200, res.text);
    assert.equal(s.echo.requests.at(-1)!.url, "/password-query?q=1");
    assert.equal(decodeJwt(forwarded()).sub, "bob");
  });

  it("password without a configured client → 500 (an operator problem, not the caller's)", async () => {
    const res = await call("/password-no-client", { headers: { authorization: ALICE } });
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { message: "An unexpected error occurred" });
  });

  it("both grants enabled: a Basic pair is tried as a password first, then as client credentials", async () => {
    const user = await call("/both", { headers: { authorization: ALICE } });
    assert.equal(user.status, 200, user.text);
    assert.equal(decodeJwt(forwarded()).sub, "alice");
    const client = await call("/both", { headers: { authorization: UNBOUND } });
    assert.equal(client.status, 200, client.text);
    assert.equal(decodeJwt(forwarded()).client_id, CLIENTS.unbound.clientId);
    assert.equal((await call("/both", { headers: { authorization: basic("nobody", "nothing") } })).status, 401);
  });

  it("search order: a bearer token decides before grant credentials (no fallback when it fails)", async () => {
    const start = tokenCalls();
    const res = await call("/bearer-first", { headers: { authorization: "Bearer not-a-valid-token" }, body: new URLSearchParams({ client_id: CLIENTS.unbound.clientId, client_secret: CLIENTS.unbound.clientSecret }).toString() });
    assert.equal(res.status, 401);
    assert.equal(tokenCalls(), start, "the grant was not tried");
    assert.equal((await call("/bearer-first", { headers: { authorization: UNBOUND } })).status, 200, "no bearer token: the grant runs");
  });

  it("claims apply to the granted token: scopes_required unmet → 403", async () => {
    const res = await call("/scoped", { headers: { authorization: ALICE } });
    assert.equal(res.status, 403);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="localhost", error="insufficient_scope"');
  });

  it("a password grant creates a session; the cookie alone then passes without asking the IdP", async () => {
    const res = await call("/grant-session", { headers: { authorization: ALICE } });
    assert.equal(res.status, 200, res.text);
    const line = ([] as string[]).concat(res.headers["set-cookie"] ?? []).find((c) => c.startsWith("session="))!;
    const jar = line.split(";", 1)[0]!;
    seen.push(jar);
    const start = tokenCalls();
    const again = await call("/grant-session", { headers: { cookie: jar } });
    assert.equal(again.status, 200);
    assert.equal(decodeJwt(forwarded()).sub, "alice");
    assert.equal(tokenCalls(), start);
  });

  it("no log line holds a token, a client secret, a password or a session cookie value", async () => {
    await new Promise((r) => setTimeout(r, 300)); // let the last log lines arrive from the child's stdout
    const all = JSON.stringify(s.tether.logs) + s.tether.stderr.join("\n");
    assert.ok(s.tether.logs.some((l) => l.msg === "openid-connect: token endpoint refused the grant"), "failed grants are logged");
    const secrets = [CLIENTS.unbound.clientSecret, CLIENTS.gateway.clientSecret, USERS.alice!, USERS.bob!, "not-the-secret", "wrong-password", "grant-session-secret-77aa"];
    for (const secret of secrets) assert.ok(!all.includes(secret), `a log line holds ${secret.slice(0, 6)}…`);
    for (const value of seen) {
      const v = value.includes("=") ? value.slice(value.indexOf("=") + 1) : value;
      for (const part of v.split(".")) if (part.length > 16) assert.ok(!all.includes(part), "a log line holds a token or cookie");
    }
    assert.ok(!all.includes(Buffer.from(`alice:${USERS.alice}`).toString("base64")), "no Basic credentials");
  });
});
