// "Why was I refused?": POST /routes/{route}/explain and `tether explain` against a real node and
// the real IdP. Each explanation is checked against what the proxy really does with the same
// token and certificate, and the token must never show up in the node's output.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateKeyPair, generateProof } from "dpop";
import { CLIENTS } from "../fixtures/idp/index.ts";
import { thumbprint, type Pem } from "../fixtures/pki/index.ts";
import { runTether } from "../helpers/cli.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

type Json = Record<string, any>;

/** The decision fields of an auth outcome (later additions, such as the proof kind, left out). */
const outcome = (e: Json) => {
  const { plugin, refused, binding } = e.authOutcome as Json;
  return { plugin, ...(refused ? { refused } : {}), ...(binding ? { binding } : {}) };
};

describe("explain: why was this request refused?", () => {
  let s: Scenario;
  const tokens: string[] = [];
  let good: string;
  let claims: () => Record<string, unknown>;

  const explain = async (route: string, body: Record<string, unknown>) => adminJson(s.tether, "POST", `/routes/${route}/explain`, body);
  /** What the proxy itself does with the same request (status, challenge, whether it was forwarded). */
  const proxied = async (path: string, token: string, cert?: Pem) => {
    const before = s.echo.requests.length;
    const res = await tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${token}` }, ...(cert ? { cert } : {}) });
    return { status: res.status, challenge: res.headers["www-authenticate"], forwarded: s.echo.requests.length > before };
  };
  const keep = (token: string): string => (tokens.push(token), token);

  before(async () => {
    s = await startScenario();
    const t = s.tether;
    assert.equal((await adminJson(t, "POST", "/services", { name: "svc", url: s.echo.url })).status, 201);
    for (const [name, scopes] of [["api", ["read"]], ["admin", ["admin"]]] as const) {
      assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name, paths: [`/${name}`] })).status, 201);
      assert.equal((await adminJson(t, "POST", `/routes/${name}/plugins`, { name: "tls-handshake-modifier" })).status, 201);
      const oidc = { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict", scopes_required: scopes } };
      const res = await adminJson(t, "POST", `/routes/${name}/plugins`, oidc);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name: "dpop", paths: ["/dpop"] })).status, 201);
    const dpop = { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_dpop: "strict" } };
    assert.equal((await adminJson(t, "POST", "/routes/dpop/plugins", dpop)).status, 201);
    await untilApplied(t);
    const now = Math.floor(Date.now() / 1000);
    claims = () => ({ iss: s.idp.issuer, sub: "alice", aud: "https://api.tether.test", iat: now, exp: now + 300, scope: "read write", cnf: { "x5t#S256": thumbprint(s.pki.clients.alice.cert) } });
    const issued = await s.idp.token({ ...CLIENTS.certBound, cert: s.pki.clients.alice, scope: "read write" });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    good = keep(issued.body.access_token);
  });
  after(() => s.stop());

  it("a bound token with the right certificate: would pass, as the proxy lets it through", async () => {
    const res = await explain("api", { token: good, certificate: s.pki.clients.alice.cert });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const e = res.body as Json;
    assert.equal(e.passes, true, JSON.stringify(e, null, 1));
    assert.equal(e.response, undefined);
    assert.deepEqual(outcome(e), { plugin: "openid-connect", binding: "match" });
    assert.deepEqual(e.steps.map((p: Json) => [p.name, p.result]), [["openid-connect", "continued"], ["tls-handshake-modifier", "continued"]]);
    assert.equal(e.token.format, "jwt");
    assert.equal(e.token.claims.iss, s.idp.issuer);
    assert.equal(e.token.key.kid, e.token.header.kid);
    assert.equal(e.token.binding.certificateMatches, true);
    assert.equal(JSON.stringify(e).includes(good), false, "the token is not echoed");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(await proxied("/api", good, s.pki.clients.alice), { status: 200, challenge: undefined, forwarded: true });
  });

  it("the wrong certificate: refused for a binding mismatch, both thumbprints shown", async () => {
    const e = (await explain("api", { token: good, certificate: s.pki.clients.bob.cert })).body as Json;
    assert.equal(e.passes, false);
    assert.equal(e.response.status, 401);
    assert.deepEqual(outcome(e), { plugin: "openid-connect", refused: "binding", binding: "mismatch" });
    assert.equal(e.token.binding.tokenX5tS256, thumbprint(s.pki.clients.alice.cert));
    assert.equal(e.token.binding.presentedX5tS256, thumbprint(s.pki.clients.bob.cert));
    assert.equal(e.token.binding.certificateMatches, false);
    assert.ok(e.logs.some((l: Json) => l.message === "openid-connect: request refused"), JSON.stringify(e.logs));
    const real = await proxied("/api", good, s.pki.clients.bob);
    assert.deepEqual({ status: e.response.status, challenge: e.wwwAuthenticate }, { status: real.status, challenge: real.challenge });
    assert.equal(real.forwarded, false);
  });

  it("no certificate at all: refused, the presented side is empty", async () => {
    const e = (await explain("api", { token: good })).body as Json;
    assert.equal(e.passes, false);
    assert.equal(e.authOutcome.binding, "no_certificate");
    assert.equal(e.token.binding.presentedX5tS256, undefined);
  });

  it("an expired token: refused as expired, with its expiry shown", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = keep(await s.idp.sign({ ...claims(), iat: now - 600, exp: now - 60 }));
    const e = (await explain("api", { token: expired, certificate: s.pki.clients.alice.cert })).body as Json;
    assert.equal(e.passes, false);
    assert.equal(e.authOutcome.refused, "expired");
    assert.equal(e.token.expiry.expired, true);
    assert.equal(e.token.expiry.exp, now - 60);
    assert.equal((await proxied("/api", expired, s.pki.clients.alice)).status, e.response.status);
  });

  it("a token from another issuer: refused as wrong issuer, both issuers shown", async () => {
    const foreign = keep(await s.idp.sign({ ...claims(), iss: "https://evil.example/realms/master" }));
    const e = (await explain("api", { token: foreign, certificate: s.pki.clients.alice.cert })).body as Json;
    assert.equal(e.passes, false);
    assert.equal(e.authOutcome.refused, "wrong_issuer");
    assert.deepEqual(e.token.issuer, { token: "https://evil.example/realms/master", expected: [s.idp.issuer] });
  });

  it("a missing scope: 403, the missing scope named", async () => {
    const e = (await explain("admin", { token: good, certificate: s.pki.clients.alice.cert })).body as Json;
    assert.equal(e.passes, false);
    assert.equal(e.response.status, 403);
    assert.equal(e.authOutcome.refused, "scopes");
    assert.deepEqual(e.token.scopes.missing, ["admin"]);
    assert.ok(e.token.scopes.found.includes("read"));
    const real = await proxied("/admin", good, s.pki.clients.alice);
    assert.deepEqual({ status: real.status, challenge: real.challenge }, { status: 403, challenge: e.wwwAuthenticate });
  });

  it("a DPoP proof is sent as the DPoP header: the proof's key next to the token's cnf.jkt", async () => {
    const [alice, thief] = await Promise.all([generateKeyPair("ES256"), generateKeyPair("ES256")]);
    const issued = await s.idp.dpopToken({ key: alice });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const token = keep(issued.body.access_token);
    // The proof names the URI the client addressed: the route's path on the host given (here the default).
    const proof = (key = alice) => generateProof(key, "https://localhost/dpop", "GET", undefined, token);
    const ok = (await explain("dpop", { token, dpop: await proof() })).body as Json;
    assert.equal(ok.request.authorization, "DPoP");
    assert.equal(ok.passes, true, JSON.stringify(ok));
    assert.equal(ok.token.binding.proofMatches, true);
    const stolen = (await explain("dpop", { token, dpop: await proof(thief) })).body as Json;
    assert.equal(stolen.passes, false);
    assert.equal(stolen.response.status, 401);
    assert.equal(stolen.token.binding.proofMatches, false);
    assert.notEqual(stolen.token.binding.tokenJkt, stolen.token.binding.proofJkt);
  });

  it("Admin API errors: Kong-shaped 400s and 404", async () => {
    const missing = await explain("api", { certificate: s.pki.clients.alice.cert });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.fields, { token: "required field missing" });
    const badCert = await explain("api", { token: good, certificate: "not a certificate" });
    assert.equal(badCert.status, 400);
    assert.deepEqual(badCert.body.fields, { certificate: "expected a PEM encoded certificate" });
    const extra = await explain("api", { token: good, path: "relative", nope: 1 });
    assert.equal(extra.status, 400);
    assert.deepEqual(Object.keys(extra.body.fields).sort(), ["nope", "path"]);
    assert.equal((await explain("no-such-route", { token: good })).status, 404);
    const garbage = await explain("api", { token: "not.a.jwt.at-all" });
    assert.equal(garbage.status, 200);
    assert.equal(garbage.body.passes, false);
    assert.equal(garbage.body.token.format, "opaque");
  });

  it("`tether explain` prints the same decision (exit 0 pass, 1 refused)", async () => {
    const tokenFile = join(s.tether.prefix, "token.txt");
    writeFileSync(tokenFile, good, { mode: 0o600 });
    const base = ["explain", "--route", "api", "--token", `@${tokenFile}`, "--admin", s.tether.admin];
    const pass = await runTether([...base, "--cert", s.pki.clients.alice.certPath], {});
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, /Decision: WOULD PASS/);
    const refused = await runTether([...base, "--cert", s.pki.clients.bob.certPath], {});
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /Decision: REFUSED with 401 by openid-connect/);
    assert.match(refused.stdout, /refused \(binding\) certificate binding mismatch/);
    assert.ok(refused.stdout.includes(`token cnf.x5t#S256 = ${thumbprint(s.pki.clients.alice.cert)}`));
    assert.ok(refused.stdout.includes(`presented x5t#S256 = ${thumbprint(s.pki.clients.bob.cert)}`));
    assert.match(refused.stdout, /MISMATCH/);
    assert.equal(refused.stdout.includes(good), false);
    const usage = await runTether(["explain", "--route", "api"], {});
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--route and --token are required/);
  });

  it("the node's output never holds a token, and dry runs do not write the plugins' lines to it", async () => {
    const refusedLines = () => s.tether.logs.filter((l) => l.msg === "openid-connect: request refused").length;
    const before = refusedLines();
    await explain("api", { token: good, certificate: s.pki.clients.bob.cert });
    // Control: the same refusal by the proxy is logged by the node (info level), after the dry run's
    // would have been: once it is there, the count shows the dry run added none.
    await proxied("/api", good, s.pki.clients.bob);
    await waitFor(async () => refusedLines() > before);
    assert.equal(refusedLines(), before + 1, "the dry run's log lines went to its answer only");
    const output = [...s.tether.logs.map((l) => JSON.stringify(l)), ...s.tether.stderr].join("\n");
    for (const token of tokens) {
      assert.equal(output.includes(token), false);
      assert.equal(output.includes(token.split(".")[2]!), false, "not even the signature");
    }
  });
});

describe("explain on a node with proxy workers", () => {
  let s: Scenario;

  before(async () => {
    s = await startScenario({ env: { TETHER_WORKERS: "2" } });
    await s.protect("/api", { proof_of_possession_mtls: "strict" });
    await untilApplied(s.tether);
  });
  after(() => s.stop());

  it("the primary compiles the workers' configuration and explains from it", async () => {
    const token = await s.token({ cert: s.pki.clients.alice });
    const [route] = (await adminJson(s.tether, "GET", "/routes")).body.data as Json[];
    const ask = (cert: Pem) => adminJson(s.tether, "POST", `/routes/${route!.id}/explain`, { token, certificate: cert.cert });
    const pass = (await ask(s.pki.clients.alice)).body as Json;
    assert.equal(pass.passes, true, JSON.stringify(pass));
    const mismatch = (await ask(s.pki.clients.bob)).body as Json;
    assert.deepEqual(outcome(mismatch), { plugin: "openid-connect", refused: "binding", binding: "mismatch" });
    const output = [...s.tether.logs.map((l) => JSON.stringify(l)), ...s.tether.stderr].join("\n");
    assert.equal(output.includes(token), false);
  });
});
