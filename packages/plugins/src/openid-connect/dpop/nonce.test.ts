import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { DpopNonces, NONCE_STEP_SEC } from "./nonce.ts";

describe("DpopNonces (stateless)", () => {
  const secret = randomBytes(32);
  const t = 1_800_000_000;

  it("any instance with the same secret accepts another's nonce (workers, nodes)", () => {
    assert.ok(new DpopNonces(secret, 300).valid(new DpopNonces(secret, 300).issue(t), t));
  });
  it("accepts a nonce for the proof lifetime back and one step ahead, not beyond", () => {
    const nonces = new DpopNonces(secret, 300);
    const nonce = nonces.issue(t);
    assert.ok(nonces.valid(nonce, t + 300));
    assert.ok(!nonces.valid(nonce, t + 300 + 2 * NONCE_STEP_SEC));
    assert.ok(nonces.valid(nonce, t - NONCE_STEP_SEC));
    assert.ok(!nonces.valid(nonce, t - 3 * NONCE_STEP_SEC));
  });
  it("refuses another secret's nonce, forged and malformed ones", () => {
    const nonces = new DpopNonces(secret, 300);
    assert.ok(!nonces.valid(new DpopNonces(randomBytes(32), 300).issue(t), t));
    for (const bad of [undefined, 42, "", "x", Buffer.alloc(32).toString("base64url"), "A".repeat(100)]) assert.ok(!nonces.valid(bad, t), String(bad));
  });
});
