import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { KongError, type Consumer } from "@tether/core";
import { backends } from "../../../test/helpers/backends.ts";

const consumer = (username: string): Consumer => ({ id: randomUUID(), created_at: 1, updated_at: 1, tags: null, username, custom_id: null });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of backends()) {
  describe(`transactions (${backend.name})`, () => {
    it("all or nothing: a failed write inside a transaction rolls every write of it back, version included", async () => {
      const store = await backend.open();
      const version = await store.version();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.daos.consumers.insert(consumer("kept-only-if-committed"));
          await tx.daos.consumers.insert(consumer("kept-only-if-committed")); // unique violation
        }),
        (e: unknown) => e instanceof KongError && e.status === 409,
      );
      assert.equal(await store.daos.consumers.getBy("username", "kept-only-if-committed"), undefined);
      assert.equal(await store.version(), version);
    });

    it("a failed write in a savepoint leaves the rest of the transaction usable", async () => {
      const store = await backend.open();
      await store.transaction(async (tx) => {
        await tx.daos.consumers.insert(consumer("first"));
        await assert.rejects(tx.transaction((inner) => inner.daos.consumers.insert(consumer("first"))));
        await tx.daos.consumers.insert(consumer("second"));
      });
      assert.deepEqual((await store.daos.consumers.all()).map((c) => c.username).sort(), ["first", "second"]);
    });

    it("two multi-write transactions crossing on the same names: one commits, the other gets Kong's 409, never a deadlock error", async () => {
      const store = await backend.open();
      // A takes x (and the version row), waits, then takes y; B takes y meanwhile, then waits on the
      // version row: on PostgreSQL a deadlock, which must be retried into an ordinary conflict.
      const a = store.transaction(async (tx) => {
        await tx.daos.consumers.insert(consumer("x"));
        await sleep(300);
        await tx.daos.consumers.insert(consumer("y"));
      });
      await sleep(100);
      const b = store.transaction((tx) => tx.daos.consumers.insert(consumer("y")));
      const results = await Promise.allSettled([a, b]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(failed.length, 1, JSON.stringify(results));
      assert.ok(failed[0]!.reason instanceof KongError, `not a Kong error: ${String(failed[0]!.reason)}`);
      assert.equal(failed[0]!.reason.status, 409);
    });
  });
}
