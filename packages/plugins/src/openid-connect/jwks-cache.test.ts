import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, jwtVerify } from "jose";
import { JwksCache, JWKS_FAILURE_RETRY_MS, JWKS_MAX_AGE_MS } from "./jwks-cache.ts";

const silent = { info() {}, warn() {}, error() {} };

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256" } };
}

describe("JwksCache", () => {
  it("fetches once for concurrent callers, keeps its keys through an outage, and waits after a failure", async () => {
    const k1 = await key("k1");
    let t = 1_000_000;
    let calls = 0;
    let up = true;
    const fetch = (async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 5));
      if (!up) throw new TypeError("fetch failed");
      return new Response(JSON.stringify({ keys: [k1.jwk] }), { status: 200 });
    }) as typeof globalThis.fetch;
    const errors: string[] = [];
    const cache = new JwksCache("https://idp/jwks", fetch, { ...silent, error: (m) => errors.push(m) }, () => t);
    const token = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).sign(k1.privateKey);

    await Promise.all([1, 2, 3, 4, 5].map(() => jwtVerify(token, cache.getKey)));
    assert.equal(calls, 1, "single flight");

    up = false;
    await assert.rejects(cache.refresh(), /fetch failed/);
    assert.equal(errors.length, 1, "the failure is logged");
    await jwtVerify(token, cache.getKey); // the held keys still serve
    await assert.rejects(cache.refresh(), /fetch failed/);
    assert.equal(calls, 2, "no second fetch within the failure retry delay");
    t += JWKS_FAILURE_RETRY_MS;
    await assert.rejects(cache.refresh());
    assert.equal(calls, 3);

    t += JWKS_MAX_AGE_MS + 1; // old keys: refreshed in the background; still served while the IdP is down
    await jwtVerify(token, cache.getKey);
    assert.equal(cache.keys()!.keys.length, 1);
  });

  it("a refresh picks up a rotated key", async () => {
    const [k1, k2] = [await key("k1"), await key("k2")];
    let set = [k1.jwk];
    const fetch = (async () => new Response(JSON.stringify({ keys: set }), { status: 200 })) as typeof globalThis.fetch;
    const cache = new JwksCache("https://idp/jwks", fetch, silent);
    const t2 = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k2" }).sign(k2.privateKey);
    await assert.rejects(jwtVerify(t2, cache.getKey), { code: "ERR_JWKS_NO_MATCHING_KEY" });
    set = [k2.jwk];
    await cache.refresh();
    await jwtVerify(t2, cache.getKey);
  });

  it("refuses a response that is not a key set", async () => {
    const cache = new JwksCache("https://idp/jwks", (async () => new Response("{}", { status: 200 })) as typeof globalThis.fetch, silent);
    await assert.rejects(cache.refresh(), /not return a JSON Web Key Set/);
  });
});
