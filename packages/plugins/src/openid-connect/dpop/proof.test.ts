import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { accessTokenHash, verifyProof, type ProofExpectations } from "./proof.ts";

const NOW = Math.floor(Date.now() / 1000);
const expect: ProofExpectations = { method: "GET", uri: "https://gw.test/api", token: "the-token", nowSec: NOW, lifetimeSec: 300, futureSkewSec: 5 };

describe("verifyProof (RFC 9449 4.3)", () => {
  let privateKey: CryptoKey;
  let jwk: JWK;
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey | Uint8Array = privateKey) =>
    new SignJWT({ jti: randomUUID(), htm: "GET", htu: "https://GW.test:443/api?x=1", iat: NOW, ath: accessTokenHash("the-token"), ...claims })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk, ...header } as { alg: string })
      .sign(key);
  const refusedWith = async (proofs: string[], reason: RegExp) => {
    const outcome = await verifyProof(proofs, expect);
    assert.ok(!outcome.ok && reason.test(outcome.reason), JSON.stringify(outcome));
  };

  before(async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    privateKey = pair.privateKey;
    jwk = await exportJWK(pair.publicKey);
  });

  it("accepts a proper proof and returns the key's RFC 7638 thumbprint", async () => {
    const outcome = await verifyProof([await sign({ nonce: "n" })], expect);
    assert.ok(outcome.ok);
    assert.equal(outcome.proof.jkt, await calculateJwkThumbprint(jwk, "sha256"));
    assert.equal(outcome.proof.nonce, "n");
  });
  it("wants exactly one compact, signed JWS", async () => {
    await refusedWith([], /no DPoP header/);
    await refusedWith([await sign(), await sign()], /more than one/);
    for (const bad of ["", "a.b", "a.b.", "a..c", "!.!.!"]) await refusedWith([bad], /compact JWS/);
  });
  it("checks typ, alg (asymmetric, allowed) and a public jwk", async () => {
    await refusedWith([await sign({}, { typ: "JWT" })], /typ/);
    await refusedWith([await sign({}, { alg: "HS256" }, new TextEncoder().encode("x".repeat(32)))], /alg not allowed/);
    await refusedWith([await sign({}, { jwk: undefined })], /no jwk/);
    await refusedWith([await sign({}, { jwk: await exportJWK(privateKey) })], /private key/);
    const other = await exportJWK((await generateKeyPair("ES256")).publicKey);
    await refusedWith([await sign({}, { jwk: other })], /signature/);
  });
  it("checks jti, htm, htu, iat and ath", async () => {
    await refusedWith([await sign({ jti: undefined })], /jti/);
    await refusedWith([await sign({ jti: "j".repeat(257) })], /jti/);
    await refusedWith([await sign({ htm: "get" })], /htm/);
    await refusedWith([await sign({ htu: "https://gw.test/other" })], /htu/);
    await refusedWith([await sign({ htu: 7 })], /htu/);
    await refusedWith([await sign({ iat: undefined })], /iat missing/);
    await refusedWith([await sign({ iat: NOW - 301 })], /too old/);
    await refusedWith([await sign({ iat: NOW + 6 })], /future/);
    await refusedWith([await sign({ ath: accessTokenHash("another") })], /ath/);
    await refusedWith([await sign({ ath: undefined })], /ath/);
  });
});
