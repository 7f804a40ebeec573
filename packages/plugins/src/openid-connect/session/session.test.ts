import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { admitSession } from "./admission.ts";
import { deriveSessionKey, open, seal } from "./cookie-codec.ts";
import { CHUNK_SIZE, clearingValue, readChunked, setCookieValues, withoutCookies, type CookieAttributes } from "./cookies.ts";
import { decodeRecord, encodeRecord, type SessionRecord } from "./record.ts";
import { expiredBy, refreshed, refreshNeeded, touchThresholdMs } from "./timeouts.ts";

const key = deriveSessionKey("secret", "default");
const attrs: CookieAttributes = { path: "/", domain: undefined, sameSite: "Lax", httpOnly: true, secure: true };
const record: SessionRecord = {
  method: "bearer",
  instance: "i1",
  pop: "strict",
  token: "a.b.c",
  jwt: true,
  introspection: undefined,
  thumbprint: "t".repeat(43),
  expiresAt: 2_000_000_000,
  clock: { createdAt: 1000, rolledAt: 1000, seenAt: 1000 },
};

describe("cookie codec (AES-256-GCM, HKDF key per secret and audience)", () => {
  it("opens what it sealed; each seal differs (fresh IV)", () => {
    const a = seal(key, "session", Buffer.from("hello"));
    assert.notEqual(a, seal(key, "session", Buffer.from("hello")));
    assert.equal(open(key, "session", a)?.toString(), "hello");
  });
  it("refuses another secret, audience or cookie name, and every single-bit flip", () => {
    const sealed = seal(key, "session", Buffer.from("hello world"));
    assert.equal(open(deriveSessionKey("other", "default"), "session", sealed), undefined);
    assert.equal(open(deriveSessionKey("secret", "aud2"), "session", sealed), undefined);
    assert.equal(open(key, "sid", sealed), undefined);
    const bytes = Buffer.from(sealed, "base64url");
    for (let i = 0; i < bytes.length * 8; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i >> 3] = flipped[i >> 3]! ^ (1 << (i & 7));
      assert.equal(open(key, "session", flipped.toString("base64url")), undefined, `bit ${i}`);
    }
  });
  it("refuses truncated, empty and non-base64url values without throwing", () => {
    const sealed = seal(key, "session", Buffer.from("x"));
    for (const v of ["", "!", sealed.slice(0, 10), sealed.slice(0, -1), `${sealed}=`, "AAAA"]) assert.equal(open(key, "session", v), undefined);
  });
});

describe("session record", () => {
  it("round-trips", () => assert.deepEqual(decodeRecord(encodeRecord(record)), record));
  it("refuses other shapes", () => {
    for (const text of ["null", "[]", '{"v":2}', JSON.stringify({ ...JSON.parse(encodeRecord(record).toString()), m: "session" }), JSON.stringify({ ...JSON.parse(encodeRecord(record).toString()), c: "1" })])
      assert.equal(decodeRecord(Buffer.from(text)), undefined, text);
  });
});

describe("cookies", () => {
  it("splits a long value into session, session_2… and reads it back", () => {
    const value = "v".repeat(CHUNK_SIZE * 2 + 5);
    const lines = setCookieValues("session", value, attrs);
    assert.deepEqual(lines.map((l) => l.split("=", 1)[0]), ["session", "session_2", "session_3"]);
    const header = lines.map((l) => l.split(";", 1)[0]).join("; ");
    assert.deepEqual(readChunked(header, "session"), { value, chunks: 3 });
  });
  it("clears chunks the client holds beyond the new count", () => {
    const lines = setCookieValues("session", "short", attrs, 3);
    assert.equal(lines.length, 3);
    assert.equal(lines[2], clearingValue("session_3", attrs));
    assert.equal(lines[0], "session=short; Path=/; SameSite=Lax; HttpOnly; Secure");
  });
  it("withoutCookies drops only the named ones", () => {
    assert.equal(withoutCookies("a=1; session=x; session_2=y; b=2", ["session", "session_2"]), "a=1; b=2");
  });
});

describe("timeouts (lua-resty-session 4)", () => {
  const t = { idlingSec: 900, rollingSec: 3600, absoluteSec: 86400 };
  const clock = { createdAt: 0, rolledAt: 0, seenAt: 0 };
  it("expire by idling, rolling, absolute; 0 disables", () => {
    assert.equal(expiredBy(clock, t, 900_000), undefined);
    assert.equal(expiredBy(clock, t, 900_001), "idling");
    assert.equal(expiredBy({ ...clock, seenAt: 3_600_000 }, t, 3_600_001), "rolling");
    assert.equal(expiredBy({ createdAt: 0, rolledAt: 86_400_000, seenAt: 86_400_000 }, t, 86_400_001), "absolute");
    assert.equal(expiredBy(clock, { idlingSec: 0, rollingSec: 0, absoluteSec: 0 }, 1e12), undefined);
  });
  it("roll after 3/4 of the rolling timeout, touch past the threshold (≤ 60 s, ≤ idling/2)", () => {
    assert.equal(touchThresholdMs(900), 60_000);
    assert.equal(touchThresholdMs(2), 1000);
    assert.equal(refreshNeeded(clock, t, 60_000), "none");
    assert.equal(refreshNeeded(clock, t, 60_001), "touch");
    assert.equal(refreshNeeded({ ...clock, seenAt: 2_700_000 }, t, 2_700_001), "roll");
    assert.deepEqual(refreshed(clock, "roll", 5), { createdAt: 0, rolledAt: 5, seenAt: 5 });
    assert.deepEqual(refreshed(clock, "touch", 5), { createdAt: 0, rolledAt: 0, seenAt: 5 });
  });
});

describe("session admission (PoP)", () => {
  const here = { id: "i1", pop: "strict" as const, methodsValidation: true };
  it("PoP off here: any session", () => assert.deepEqual(admitSession({ ...record, pop: "off", method: "password" }, { ...here, pop: "off" }), { ok: true, checkBinding: false }));
  it("bearer/introspection sessions made with PoP on are checked against their binding", () => {
    assert.deepEqual(admitSession(record, here), { ok: true, checkBinding: true });
    assert.deepEqual(admitSession({ ...record, instance: "other", method: "introspection", pop: "optional" }, here), { ok: true, checkBinding: true });
  });
  it("a session made where PoP was off is refused, whoever made it", () => {
    assert.equal(admitSession({ ...record, pop: "off" }, here).ok, false);
    assert.equal(admitSession({ ...record, pop: "off", instance: "i1" }, { ...here, methodsValidation: false }).ok, false);
  });
  it("other methods: only on the instance that made them, with validation off (Kong's skip)", () => {
    const pw = { ...record, method: "password" as const };
    assert.deepEqual(admitSession(pw, { ...here, methodsValidation: false }), { ok: true, checkBinding: false });
    assert.equal(admitSession(pw, here).ok, false);
    assert.equal(admitSession({ ...pw, instance: "i2" }, { ...here, methodsValidation: false }).ok, false);
  });
});
