import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReplayGuard } from "./replay.ts";

describe("ReplayGuard", () => {
  it("accepts a (jkt, jti) once until it expires; another key's jti is another proof", () => {
    let now = 1_000;
    const guard = new ReplayGuard(10, () => now);
    assert.ok(guard.firstUse("k1", "j1", 2_000));
    assert.ok(!guard.firstUse("k1", "j1", 2_000));
    assert.ok(guard.firstUse("k2", "j1", 2_000));
    now = 2_001;
    assert.ok(guard.firstUse("k1", "j1", 3_000));
  });
  it("holds at most its capacity (the oldest is forgotten first)", () => {
    const guard = new ReplayGuard(2, () => 0);
    for (const jti of ["a", "b", "c"]) assert.ok(guard.firstUse("k", jti, 1_000));
    assert.ok(!guard.firstUse("k", "c", 1_000));
    assert.ok(guard.firstUse("k", "a", 1_000));
  });
});
