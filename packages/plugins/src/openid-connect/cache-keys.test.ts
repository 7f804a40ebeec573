import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { introspectionCacheKey, introspectionExpiry, jwtCacheExpiry, jwtCacheKey, JWT_CACHE_MAX_MS, sha256 } from "./cache-keys.ts";
import { ExpiringLru } from "../cache/expiring-lru.ts";

describe("cache keys", () => {
  const inputs = { issuer: "https://idp", jwksUri: "https://idp/jwks", keysGeneration: 1, issuersAllowed: ["b", "a"], leewaySec: 0, hmacSecret: undefined };
  it("never contain the token, and change with every verification input", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    const key = jwtCacheKey(sha256(token), inputs);
    assert.ok(!key.includes(token));
    assert.equal(key, jwtCacheKey(sha256(token), { ...inputs, issuersAllowed: ["a", "b"] }), "allowed issuers are a set");
    for (const change of [{ issuer: "https://other" }, { jwksUri: "https://idp/jwks2" }, { keysGeneration: 2 }, { issuersAllowed: ["a"] }, { leewaySec: 5 }, { hmacSecret: "s" }])
      assert.notEqual(key, jwtCacheKey(sha256(token), { ...inputs, ...change }), JSON.stringify(change));
    assert.ok(!jwtCacheKey("d", { ...inputs, hmacSecret: "the-secret" }).includes("the-secret"));
  });
  it("introspection keys include endpoint, client and extras", () => {
    const base = { endpoint: "https://idp/introspect", clientId: "gw", tokenDigest: sha256("t"), extras: [] as [string, string][] };
    const key = introspectionCacheKey(base);
    assert.notEqual(key, introspectionCacheKey({ ...base, endpoint: "https://other/introspect" }));
    assert.notEqual(key, introspectionCacheKey({ ...base, clientId: "gw2" }));
    assert.notEqual(key, introspectionCacheKey({ ...base, extras: [["token_type_hint", "access_token"]] }));
  });
});

describe("cache lifetimes", () => {
  const now = 1_000_000_000_000;
  const settings = { ttlSec: 3600, ttlMaxSec: null, ttlMinSec: null, ttlNegSec: null };
  it("a verified JWT: until exp + leeway, at most JWT_CACHE_MAX_MS", () => {
    assert.equal(jwtCacheExpiry({ exp: now / 1000 + 60 }, 5, now), now + 65_000);
    assert.equal(jwtCacheExpiry({ exp: now / 1000 + 86_400 }, 0, now), now + JWT_CACHE_MAX_MS);
    assert.equal(jwtCacheExpiry({}, 0, now), now + JWT_CACHE_MAX_MS);
  });
  it("an active introspection answer: until exp (else cache_ttl), clamped, never past exp", () => {
    assert.equal(introspectionExpiry({ active: true, exp: now / 1000 + 60 }, settings, now), now + 60_000);
    assert.equal(introspectionExpiry({ active: true }, settings, now), now + 3_600_000);
    assert.equal(introspectionExpiry({ active: true, exp: now / 1000 + 60 }, { ...settings, ttlMaxSec: 10 }, now), now + 10_000);
    assert.equal(introspectionExpiry({ active: true, exp: now / 1000 + 60 }, { ...settings, ttlMinSec: 600 }, now), now + 60_000, "min never extends past exp");
    assert.equal(introspectionExpiry({ active: true }, { ...settings, ttlMinSec: 7200 }, now), now + 7_200_000);
  });
  it("an inactive answer: briefly (cache_ttl_neg, 5 s by default)", () => {
    assert.equal(introspectionExpiry({ active: false }, settings, now), now + 5_000);
    assert.equal(introspectionExpiry({ active: false }, { ...settings, ttlNegSec: 1 }, now), now + 1_000);
    assert.equal(introspectionExpiry({ active: false }, { ...settings, ttlSec: 2 }, now), now + 2_000);
  });
});

describe("ExpiringLru", () => {
  it("evicts the least recently used and never returns an expired entry", () => {
    let t = 0;
    const lru = new ExpiringLru<number>(2, () => t);
    lru.set("a", 1, 100);
    lru.set("b", 2, 100);
    assert.equal(lru.get("a"), 1); // a is now the most recent
    lru.set("c", 3, 100);
    assert.equal(lru.get("b"), undefined, "b was the least recently used");
    assert.equal(lru.get("a"), 1);
    t = 100;
    assert.equal(lru.get("a"), undefined, "expired");
    lru.set("d", 4, 50);
    assert.equal(lru.size, 1, "an already expired entry is not stored");
    assert.deepEqual([lru.hits, lru.misses], [2, 2]);
  });
});
