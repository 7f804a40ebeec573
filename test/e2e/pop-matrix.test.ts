// proof_of_possession_mtls strict / optional / off, against every combination of presented
// certificate (the bound one, another one, none) and token (bound, unbound), over real TLS.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Pem } from "../fixtures/pki/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";

const MISMATCH = "the client certificate thumbprint does not match the x5t#S256 claim";
const NO_CERT = "client certificate was not specified";
const NO_CLAIM = "x5t#S256 claim required but not found";

type Cert = "alice" | "bob" | "none";
type Token = "bound" | "unbound";
/** Expected outcome: 200, or 401 with Kong's error_description. */
const MATRIX: Record<"strict" | "optional" | "off", Record<Token, Record<Cert, 200 | string>>> = {
  strict: {
    bound: { alice: 200, bob: MISMATCH, none: NO_CERT },
    unbound: { alice: NO_CLAIM, bob: NO_CLAIM, none: NO_CERT },
  },
  // Kong's documented semantics: only tokens that carry cnf.x5t#S256 are checked.
  optional: {
    bound: { alice: 200, bob: MISMATCH, none: NO_CERT },
    unbound: { alice: 200, bob: 200, none: 200 },
  },
  off: {
    bound: { alice: 200, bob: 200, none: 200 },
    unbound: { alice: 200, bob: 200, none: 200 },
  },
};

describe("proof_of_possession_mtls matrix", () => {
  let s: Scenario;
  const tokens: Partial<Record<Token, string>> = {};
  const certs = (): Record<Cert, Pem | undefined> => ({ alice: s.pki.clients.alice, bob: s.pki.clients.bob, none: undefined });

  before(async () => {
    s = await startScenario();
    for (const mode of Object.keys(MATRIX)) await s.protect(`/${mode}`, { proof_of_possession_mtls: mode });
    // config.issuer as Kong accepts it: with a trailing slash, or as the discovery document's URL.
    await s.protect("/issuer-slash", { proof_of_possession_mtls: "strict", issuer: `${s.idp.issuer}/` });
    await s.protect("/issuer-well-known", { proof_of_possession_mtls: "strict", issuer: `${s.idp.issuer}/.well-known/openid-configuration` });
    tokens.bound = await s.token({ cert: s.pki.clients.alice });
    tokens.unbound = await s.token({ bound: false });
    await untilRouted(s.tether, "/issuer-well-known");
  });
  after(() => s.stop());

  for (const [mode, byToken] of Object.entries(MATRIX))
    for (const [token, byCert] of Object.entries(byToken) as [Token, Record<Cert, 200 | string>][])
      for (const [cert, expected] of Object.entries(byCert) as [Cert, 200 | string][])
        it(`${mode}: ${token} token, ${cert === "none" ? "no" : cert + "'s"} certificate → ${expected === 200 ? 200 : "401 " + expected}`, async () => {
          const before = s.echo.requests.length;
          const res = await tlsRequest({
            port: s.tether.httpsPort,
            path: `/${mode}`,
            headers: { authorization: `Bearer ${tokens[token]}` },
            cert: certs()[cert],
          });
          if (expected === 200) {
            assert.equal(res.status, 200, res.text);
            assert.equal(s.echo.requests.length, before + 1);
            assert.equal(s.echo.requests.at(-1)!.headers["authorization"], `Bearer ${tokens[token]}`);
          } else {
            assert.equal(res.status, 401);
            assert.deepEqual(res.body, { message: "Unauthorized" });
            assert.equal(res.headers["www-authenticate"], `Bearer realm="localhost", error="invalid_token", error_description="${expected}"`);
            assert.equal(s.echo.requests.length, before, "nothing reached the upstream");
          }
        });

  it("a bound token used on a second connection with another certificate is refused", async () => {
    const first = await tlsRequest({ port: s.tether.httpsPort, path: "/strict", headers: { authorization: `Bearer ${tokens.bound}` }, cert: s.pki.clients.alice });
    assert.equal(first.status, 200);
    const second = await tlsRequest({ port: s.tether.httpsPort, path: "/strict", headers: { authorization: `Bearer ${tokens.bound}` }, cert: s.pki.clients.bob });
    assert.equal(second.status, 401);
    assert.match(String(second.headers["www-authenticate"]), /does not match the x5t#S256 claim/);
  });

  it("a certificate from an untrusted CA still binds: the thumbprint is the check (tls-handshake-modifier does not verify)", async () => {
    const mallory = s.pki.clients.mallory;
    const token = await s.token({ cert: mallory });
    const ok = await tlsRequest({ port: s.tether.httpsPort, path: "/strict", headers: { authorization: `Bearer ${token}` }, cert: mallory });
    assert.equal(ok.status, 200);
    const stolen = await tlsRequest({ port: s.tether.httpsPort, path: "/strict", headers: { authorization: `Bearer ${token}` }, cert: s.pki.clients.alice });
    assert.equal(stolen.status, 401);
  });

  it("an ES256-signed bound token passes strict with its certificate", async () => {
    const token = await s.token({ cert: s.pki.clients.alice, resource: "urn:tether:es256" });
    assert.equal(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).alg, "ES256");
    const res = await tlsRequest({ port: s.tether.httpsPort, path: "/strict", headers: { authorization: `Bearer ${token}` }, cert: s.pki.clients.alice });
    assert.equal(res.status, 200);
  });

  for (const path of ["/issuer-slash", "/issuer-well-known"])
    it(`config.issuer spelled as ${path.slice(8)} discovers the same issuer`, async () => {
      const ok = await tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${tokens.bound}` }, cert: s.pki.clients.alice });
      assert.equal(ok.status, 200, ok.text);
      const refused = await tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${tokens.bound}` }, cert: s.pki.clients.bob });
      assert.equal(refused.status, 401);
    });
});
