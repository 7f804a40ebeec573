// proof_of_possession_dpop (RFC 9449) against real DPoP-bound tokens from the real IdP, real
// proofs (the `dpop` package) and forged ones (jose), through two proxy workers: every attack is
// refused and never reaches the upstream; nonces issued by one worker are accepted by the other.
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { generateKeyPair, generateProof, type KeyPair } from "dpop";
import { exportJWK, SignJWT } from "jose";
import { CLIENTS, OPAQUE_RESOURCE } from "../fixtures/idp/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { waitFor } from "../helpers/tether.ts";

const ALGS = 'algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"';
const PROOF_ERROR = 'error="invalid_dpop_proof", error_description="Unable to validate the DPoP proof"';
const NONCE_ERROR = 'error="use_dpop_nonce", error_description="Unable to validate the DPoP proof"';
const BINDING_ERROR = 'error="invalid_token", error_description="Invalid DPoP key binding"';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
const ath = (token: string): string => createHash("sha256").update(token).digest("base64url");

describe("openid-connect DPoP (RFC 9449)", () => {
  let s: Scenario;
  let alice: KeyPair;
  let thief: KeyPair;
  let token: string;
  let opaque: string;
  let unbound: string;
  let realm: string;
  const url = (path: string): string => `https://127.0.0.1:${s.tether.httpsPort}${path}`;
  const proof = (path: string, opts: { key?: KeyPair; method?: string; token?: string; nonce?: string } = {}): Promise<string> =>
    generateProof(opts.key ?? alice, url(path), opts.method ?? "GET", opts.nonce, opts.token ?? token);
  /** A proof built by hand, for what the `dpop` package refuses to make. */
  const forged = async (path: string, opts: { header?: Record<string, unknown>; claims?: Record<string, unknown>; secret?: Uint8Array } = {}): Promise<string> => {
    const claims = { jti: randomUUID(), htm: "GET", htu: url(path), iat: Math.floor(Date.now() / 1000), ath: ath(token), ...opts.claims };
    const header = { alg: "ES256", typ: "dpop+jwt", jwk: await exportJWK(alice.publicKey), ...opts.header };
    return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(opts.secret ?? alice.privateKey);
  };
  const send = (path: string, headers: Record<string, string | string[]>, agent?: https.Agent) => tlsRequest({ port: s.tether.httpsPort, path, headers, ...(agent ? { agent } : {}) });
  /** The request is refused with `status`, the challenge contains `expected`, and the upstream saw nothing. */
  const refused = async (path: string, headers: Record<string, string | string[]>, status: number, expected?: string) => {
    const seen = s.echo.requests.length;
    const res = await send(path, headers);
    assert.equal(res.status, status, res.text);
    if (expected) assert.ok(String(res.headers["www-authenticate"]).includes(expected), String(res.headers["www-authenticate"]));
    assert.equal(s.echo.requests.length, seen, "the upstream must not be reached");
    return res;
  };
  const lastUpstream = () => s.echo.requests.at(-1)!;

  before(async () => {
    s = await startScenario({ env: { TETHER_WORKERS: "2" } });
    await waitFor(async () => new Set(s.tether.logs.filter((l) => l.msg === "proxy listening").map((l) => l["worker"])).size === 2, 10_000);
    realm = new URL(s.idp.issuer).hostname;
    await s.protect("/strict", { proof_of_possession_dpop: "strict" });
    await s.protect("/optional", { proof_of_possession_dpop: "optional" });
    await s.protect("/nonce", { proof_of_possession_dpop: "strict", dpop_use_nonce: true });
    await s.protect("/opaque", {
      auth_methods: ["introspection"],
      proof_of_possession_dpop: "strict",
      client_id: [CLIENTS.gateway.clientId],
      client_secret: [CLIENTS.gateway.clientSecret],
    });
    await s.protect("/mtls-first", { proof_of_possession_mtls: "optional", proof_of_possession_dpop: "strict" });
    alice = await generateKeyPair("ES256", { extractable: true });
    thief = await generateKeyPair("ES256");
    const issued = await s.idp.dpopToken({ key: alice });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.equal(issued.body.token_type, "DPoP");
    token = issued.body.access_token;
    const opaqueIssued = await s.idp.dpopToken({ key: alice, resource: OPAQUE_RESOURCE });
    assert.equal(opaqueIssued.status, 200, JSON.stringify(opaqueIssued.body));
    opaque = opaqueIssued.body.access_token;
    unbound = await s.token({ bound: false });
    await untilRouted(s.tether, "/opaque");
  });
  after(() => s.stop());

  it("the IdP's token is DPoP-bound (cnf.jkt)", () => {
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { cnf?: { jkt?: string } };
    assert.equal(typeof claims.cnf?.jkt, "string");
  });

  it("strict: a DPoP token with a valid proof passes; the upstream sees Bearer and no DPoP header", async () => {
    const res = await send("/strict", { authorization: `DPoP ${token}`, dpop: await proof("/strict") });
    assert.equal(res.status, 200, res.text);
    assert.equal(lastUpstream().headers["authorization"], `Bearer ${token}`);
    assert.equal(lastUpstream().headers["dpop"], undefined);
  });

  it("strict: no credential at all gets Kong's DPoP challenge", async () => {
    const res = await refused("/strict", {}, 401);
    assert.equal(res.headers["www-authenticate"], `DPoP ${ALGS}, realm="${realm}", error="invalid_token"`);
  });

  it("strict: an unbound bearer token is refused", async () => {
    await refused("/strict", { authorization: `Bearer ${unbound}` }, 401, BINDING_ERROR);
  });

  it("strict: a DPoP token without a proof is refused with invalid_dpop_proof", async () => {
    const res = await refused("/strict", { authorization: `DPoP ${token}` }, 401);
    assert.equal(res.headers["www-authenticate"], `DPoP ${ALGS}, realm="${realm}", ${PROOF_ERROR}`);
  });

  it("optional: an unbound bearer token passes, a DPoP token with its proof too", async () => {
    assert.equal((await send("/optional", { authorization: `Bearer ${unbound}` })).status, 200);
    const res = await send("/optional", { authorization: `DPoP ${token}`, dpop: await proof("/optional") });
    assert.equal(res.status, 200, res.text);
    assert.equal(lastUpstream().headers["authorization"], `Bearer ${token}`);
    assert.equal(lastUpstream().headers["dpop"], undefined);
  });

  it("optional: a DPoP token without a proof is still refused (Bearer challenge: not strict)", async () => {
    const res = await refused("/optional", { authorization: `DPoP ${token}` }, 401);
    assert.equal(res.headers["www-authenticate"], `Bearer realm="${realm}", ${PROOF_ERROR}`);
  });

  it("with proof_of_possession_mtls, the certificate binding decides certificate-bound tokens (Kong's precedence)", async () => {
    const certBound = await s.token({ cert: s.pki.clients.alice });
    const byCert = await tlsRequest({ port: s.tether.httpsPort, path: "/mtls-first", headers: { authorization: `Bearer ${certBound}` }, cert: s.pki.clients.alice });
    assert.equal(byCert.status, 200, byCert.text);
    const wrongCert = await tlsRequest({ port: s.tether.httpsPort, path: "/mtls-first", headers: { authorization: `Bearer ${certBound}` }, cert: s.pki.clients.bob });
    assert.equal(wrongCert.status, 401);
    const byProof = await send("/mtls-first", { authorization: `DPoP ${token}`, dpop: await proof("/mtls-first") });
    assert.equal(byProof.status, 200, byProof.text);
    await refused("/mtls-first", { authorization: `DPoP ${token}` }, 401, PROOF_ERROR);
  });

  describe("attacks (each refused, nothing reaches the upstream)", () => {
    it("a stolen DPoP token with the thief's own key and proof", async () => {
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await proof("/strict", { key: thief }) }, 401, BINDING_ERROR);
    });

    it("a replayed proof (same connection, so the same worker)", async () => {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, servername: "localhost" });
      try {
        const headers = { authorization: `DPoP ${token}`, dpop: await proof("/strict") };
        assert.equal((await send("/strict", headers, agent)).status, 200);
        const seen = s.echo.requests.length;
        const again = await send("/strict", headers, agent);
        assert.equal(again.status, 401);
        assert.ok(String(again.headers["www-authenticate"]).includes(PROOF_ERROR));
        assert.equal(s.echo.requests.length, seen);
      } finally {
        agent.destroy();
      }
    });

    it("a proof made for another method (htm)", async () => {
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await proof("/strict", { method: "POST" }) }, 401, PROOF_ERROR);
    });

    it("a proof made for another URI (htu)", async () => {
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await proof("/optional") }, 401, PROOF_ERROR);
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await forged("/strict", { claims: { htu: "https://127.0.0.1:1/strict" } }) }, 401, PROOF_ERROR);
    });

    it("a proof made for another token (ath)", async () => {
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await proof("/strict", { token: unbound }) }, 401, PROOF_ERROR);
    });

    it("an expired proof and one from the future (iat)", async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await forged("/strict", { claims: { iat: now - 301 } }) }, 401, PROOF_ERROR);
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await forged("/strict", { claims: { iat: now + 120 } }) }, 401, PROOF_ERROR);
    });

    it("a proof whose jwk carries the private key", async () => {
      const privateJwk = await exportJWK(alice.privateKey);
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await forged("/strict", { header: { jwk: privateJwk } }) }, 401, PROOF_ERROR);
    });

    it("an unsigned proof (alg none)", async () => {
      const claims = { jti: randomUUID(), htm: "GET", htu: url("/strict"), iat: Math.floor(Date.now() / 1000), ath: ath(token) };
      const none = `${b64url({ alg: "none", typ: "dpop+jwt", jwk: await exportJWK(alice.publicKey) })}.${b64url(claims)}.`;
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: none }, 401, PROOF_ERROR);
    });

    it("an HS256 proof", async () => {
      const secret = new TextEncoder().encode("a-shared-secret-anyone-could-know-0123");
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await forged("/strict", { header: { alg: "HS256" }, secret }) }, 401, PROOF_ERROR);
    });

    it("a proof with the wrong typ", async () => {
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: await forged("/strict", { header: { typ: "JWT" } }) }, 401, PROOF_ERROR);
    });

    it("two DPoP headers", async () => {
      await refused("/strict", { authorization: `DPoP ${token}`, dpop: [await proof("/strict"), await proof("/strict")] }, 401, PROOF_ERROR);
    });

    it("a DPoP-bound token downgraded to Bearer, with or without a valid proof", async () => {
      await refused("/strict", { authorization: `Bearer ${token}`, dpop: await proof("/strict") }, 401, BINDING_ERROR);
      await refused("/optional", { authorization: `Bearer ${token}` }, 401, BINDING_ERROR);
    });

    it("an unbound token presented with the DPoP scheme", async () => {
      await refused("/optional", { authorization: `DPoP ${unbound}`, dpop: await proof("/optional", { token: unbound }) }, 401, BINDING_ERROR);
    });

    it("Authorization: Bearer and Authorization: DPoP both", async () => {
      await refused("/strict", { authorization: [`Bearer ${token}`, `DPoP ${token}`], dpop: await proof("/strict") }, 400, 'error="invalid_request"');
    });

    it("garbage in the DPoP header", async () => {
      for (const garbage of ["x", "a.b.c", "e30.e30.e30", `${"A".repeat(9000)}.e30.x`])
        await refused("/strict", { authorization: `DPoP ${token}`, dpop: garbage }, 401, PROOF_ERROR);
    });
  });

  describe("nonces (dpop_use_nonce)", () => {
    const nonceOf = (res: { headers: Record<string, string | string[] | undefined> }): string => {
      const nonce = res.headers["dpop-nonce"];
      assert.equal(typeof nonce, "string", "a DPoP-Nonce header");
      return nonce as string;
    };

    it("the first proof gets use_dpop_nonce and a DPoP-Nonce; the retry with it passes and gets a fresh one", async () => {
      const first = await refused("/nonce", { authorization: `DPoP ${token}`, dpop: await proof("/nonce") }, 401);
      assert.equal(first.headers["www-authenticate"], `DPoP ${ALGS}, realm="${realm}", ${NONCE_ERROR}`);
      const nonce = nonceOf(first);
      const retry = await send("/nonce", { authorization: `DPoP ${token}`, dpop: await proof("/nonce", { nonce }) });
      assert.equal(retry.status, 200, retry.text);
      nonceOf(retry);
    });

    it("a nonce from one worker is accepted by the other (stateless, keyed by the installation secret)", async () => {
      const nonce = nonceOf(await send("/nonce", { authorization: `DPoP ${token}`, dpop: await proof("/nonce") }));
      // Each request on a new connection; node:cluster hands connections to the workers in turn.
      for (let i = 0; i < 6; i++) {
        const res = await send("/nonce", { authorization: `DPoP ${token}`, dpop: await proof("/nonce", { nonce }) });
        assert.equal(res.status, 200, `request ${i}: ${res.text}`);
      }
    });

    it("a forged nonce is refused, with a real one to retry with", async () => {
      const res = await refused("/nonce", { authorization: `DPoP ${token}`, dpop: await proof("/nonce", { nonce: Buffer.alloc(32, 7).toString("base64url") }) }, 401, NONCE_ERROR);
      nonceOf(res);
    });

    it("an invalid proof also carries a DPoP-Nonce", async () => {
      const res = await refused("/nonce", { authorization: `DPoP ${token}`, dpop: await proof("/nonce", { method: "PUT" }) }, 401, PROOF_ERROR);
      nonceOf(res);
    });
  });

  it("refusals are counted by their DPoP reason (tether_auth_refusals_total, summed over the workers)", async () => {
    const count = async (reason: string): Promise<number> => {
      const text = await (await fetch(`${s.tether.admin}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith("tether_auth_refusals_total{") && l.includes(`reason="${reason}"`) && l.includes('plugin="openid-connect"'));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    await waitFor(async () => (await count("dpop_proof")) > 0 && (await count("dpop_replay")) > 0 && (await count("dpop_nonce")) > 0, 10_000, 200);
    // Bindings decided by a proof are told apart from certificate bindings (proof="dpop").
    const text = await (await fetch(`${s.tether.admin}/metrics`)).text();
    const binding = (outcome: string) => text.split("\n").some((l) => l.startsWith("tether_auth_binding_total{") && l.includes('proof="dpop"') && l.includes(`outcome="${outcome}"`));
    assert.ok(binding("match") && binding("mismatch"), "tether_auth_binding_total{proof=\"dpop\"} match and mismatch");
  });

  describe("opaque tokens (introspection's cnf.jkt)", () => {
    it("passes with the bound key's proof", async () => {
      const res = await send("/opaque", { authorization: `DPoP ${opaque}`, dpop: await proof("/opaque", { token: opaque }) });
      assert.equal(res.status, 200, res.text);
      assert.equal(lastUpstream().headers["authorization"], `Bearer ${opaque}`);
    });

    it("is refused with the thief's key, and as a Bearer token", async () => {
      await refused("/opaque", { authorization: `DPoP ${opaque}`, dpop: await proof("/opaque", { key: thief, token: opaque }) }, 401, BINDING_ERROR);
      await refused("/opaque", { authorization: `Bearer ${opaque}` }, 401, BINDING_ERROR);
    });
  });
});
