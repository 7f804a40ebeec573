// Where the token is read (header, query, form/JSON body, cookie, bearer_token_header_name),
// hide_credentials for each, run_on_preflight, and bodies reaching the upstream intact after the
// plugin has read them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { tlsRequest, type TlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";

const FORM = "application/x-www-form-urlencoded";

describe("openid-connect token locations", () => {
  let s: Scenario;
  let token: string;
  const call = (opts: Omit<TlsRequest, "port">) => tlsRequest({ port: s.tether.httpsPort, cert: s.pki.clients.alice, ...opts });
  const upstream = () => s.echo.requests.at(-1)!;

  before(async () => {
    s = await startScenario();
    const base = { proof_of_possession_mtls: "strict" };
    await s.protect("/plain", { ...base, bearer_token_param_type: ["header", "query", "body", "cookie"], bearer_token_cookie_name: "at" });
    await s.protect("/hide", { ...base, hide_credentials: true, bearer_token_param_type: ["header", "query", "body", "cookie"], bearer_token_cookie_name: "at" });
    await s.protect("/no-body", { ...base, bearer_token_param_type: ["header", "query"] });
    await s.protect("/header-name", { ...base, bearer_token_header_name: "X-Api-Token" });
    await s.protect("/preflight", { ...base, run_on_preflight: false });
    await untilRouted(s.tether, "/preflight");
    token = await s.token({ cert: s.pki.clients.alice });
  });
  after(() => s.stop());

  it("a form body with access_token → 200; the upstream gets the body as sent", async () => {
    const body = `a=1&access_token=${token}&b=x+y%21`;
    const res = await call({ path: "/plain", method: "POST", headers: { "content-type": FORM }, body });
    assert.equal(res.status, 200, res.text);
    assert.equal(upstream().body, body);
    assert.equal(upstream().headers["authorization"], `Bearer ${token}`);
  });

  it("a JSON body with access_token → 200; a JSON null token is no token → 401", async () => {
    const body = JSON.stringify({ access_token: token, n: 1 });
    assert.equal((await call({ path: "/plain", method: "POST", headers: { "content-type": "application/json" }, body })).status, 200);
    assert.equal(upstream().body, body);
    const res = await call({ path: "/plain", method: "POST", headers: { "content-type": "application/json" }, body: '{"access_token":null}' });
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="localhost", error="invalid_token"');
  });

  it("the body is not a location unless configured", async () => {
    const res = await call({ path: "/no-body", method: "POST", headers: { "content-type": FORM }, body: `access_token=${token}` });
    assert.equal(res.status, 401);
  });

  it("hide_credentials: the token leaves the header, query, form, JSON body and cookie it came in", async () => {
    await call({ path: "/hide", headers: { "x-access-token": token } });
    assert.equal(upstream().headers["x-access-token"], undefined);
    assert.equal(upstream().headers["authorization"], `Bearer ${token}`, "upstream_access_token_header still forwards it, as in Kong");

    assert.equal((await call({ path: `/hide?a=1&access_token=${token}&b=%20` })).status, 200);
    assert.equal(upstream().url, "/hide?a=1&b=%20");

    assert.equal((await call({ path: "/hide", method: "POST", headers: { "content-type": FORM }, body: `a=1&access_token=${token}&b=2` })).status, 200);
    assert.equal(upstream().body, "a=1&b=2");
    assert.equal(upstream().headers["content-length"], "7");

    assert.equal((await call({ path: "/hide", method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ access_token: token, k: [1] }) })).status, 200);
    assert.equal(upstream().body, '{"k":[1]}');

    assert.equal((await call({ path: "/hide", headers: { cookie: `a=1; at=${token}; b=2` } })).status, 200);
    assert.equal(upstream().headers["cookie"], "a=1; b=2");
  });

  it("without hide_credentials the query token is forwarded", async () => {
    assert.equal((await call({ path: `/plain?access_token=${token}` })).status, 200);
    assert.equal(upstream().url, `/plain?access_token=${token}`);
  });

  it("a body the plugin read but holds no token reaches the upstream intact (small, chunked beyond the limit, declared beyond it)", async () => {
    const small = "x=1&y=2";
    assert.equal((await call({ path: "/plain", method: "POST", headers: { "content-type": FORM, cookie: `at=${token}` }, body: small })).status, 200);
    assert.equal(upstream().body, small);
    const big = `x=${"a".repeat(1_500_000)}`;
    const declared: Record<string, string> = { "content-type": FORM, cookie: `at=${token}` };
    for (const headers of [declared, { ...declared, "transfer-encoding": "chunked" }]) {
      const res = await call({ path: "/plain", method: "POST", headers, body: big });
      assert.equal(res.status, 200, res.text.slice(0, 200));
      assert.equal(upstream().body.length, big.length);
      assert.equal(upstream().body, big);
    }
  });

  it("bearer_token_header_name: only that header (with or without the Bearer scheme)", async () => {
    assert.equal((await call({ path: "/header-name", headers: { "x-api-token": token } })).status, 200);
    assert.equal((await call({ path: "/header-name", headers: { "x-api-token": `Bearer ${token}` } })).status, 200);
    assert.equal((await call({ path: "/header-name", headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  it("run_on_preflight false: OPTIONS passes without a token; by default it is checked", async () => {
    assert.equal((await call({ path: "/preflight", method: "OPTIONS" })).status, 200);
    assert.equal(upstream().method, "OPTIONS");
    assert.equal((await call({ path: "/plain", method: "OPTIONS" })).status, 401);
  });
});
