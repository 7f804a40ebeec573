import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LoadLock } from "./load-lock.ts";

describe("the declarative load lock (Kong's declarative:lock)", () => {
  it("one load at a time: the next waits for what is left of the lock, at most 10 s", () => {
    let now = 1_000_000;
    const lock = new LoadLock(() => now);
    const first = lock.acquire();
    assert.ok(first.ok);
    assert.deepEqual(lock.acquire(), { ok: false, retryAfter: 10 });
    now += 55_500;
    assert.deepEqual(lock.acquire(), { ok: false, retryAfter: 5 }, "4.5 s left, rounded up");
    first.release();
    assert.equal(lock.acquire().ok, true, "free again once released");
  });

  it("a lock older than 60 s no longer holds, and its late release does not free the next one", () => {
    let now = 0;
    const lock = new LoadLock(() => now);
    const stuck = lock.acquire();
    assert.ok(stuck.ok);
    now += 60_000;
    const next = lock.acquire();
    assert.ok(next.ok);
    stuck.release();
    assert.equal(lock.acquire().ok, false);
    next.release();
    assert.equal(lock.acquire().ok, true);
  });
});
