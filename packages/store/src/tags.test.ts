import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { KongError, type Consumer } from "@tether/core";
import { backends } from "../../../test/helpers/backends.ts";
import type { Store } from "./types.ts";

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const consumer = (n: number, tags: string[] | null): Consumer => ({
  id: id(n),
  created_at: 1,
  updated_at: 1,
  tags,
  username: `c${n}`,
  custom_id: null,
});

async function offsetError(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof KongError);
    assert.equal(error.body["code"], 7);
    return String(error.body["message"]);
  }
  assert.fail("expected an invalid offset");
}

for (const backend of backends()) describe(`tag filters and /tags in the store (${backend.name})`, () => {
  let store: Store;
  before(async () => {
    store = await backend.open();
    // 1..20: every one tagged "all", evens "even", multiples of 3 "three"; 21 untagged, 22 null
    for (let n = 1; n <= 20; n++)
      await store.daos.consumers.insert(consumer(n, ["all", ...(n % 2 === 0 ? ["even"] : []), ...(n % 3 === 0 ? ["three"] : [])]));
    await store.daos.consumers.insert(consumer(21, []));
    await store.daos.consumers.insert(consumer(22, null));
  });

  /** Follows offsets to the end, checking every page but the last is full. */
  async function pages(size: number, tags?: { tags: string[]; match: "all" | "any" }): Promise<string[]> {
    const names: string[] = [];
    let offset: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await store.daos.consumers.list({ size, offset, tags });
      names.push(...page.data.map((c) => c.username!));
      if (page.offset === undefined) return names;
      assert.equal(page.data.length, size, "a page before the last is full: the filter is not applied after the LIMIT");
      offset = page.offset;
    }
    assert.fail("paging did not end");
  }

  it("all: every tag; any: one of them; paging stays exact under a filter", async () => {
    const even = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((n) => `c${n}`);
    assert.deepEqual(await pages(3, { tags: ["even"], match: "all" }), even);
    assert.deepEqual(await pages(2, { tags: ["even", "three"], match: "all" }), ["c6", "c12", "c18"]);
    assert.deepEqual((await pages(4, { tags: ["even", "three"], match: "any" })).length, 10 + 3);
    assert.deepEqual(await pages(5, { tags: ["nope"], match: "any" }), []);
    assert.equal((await pages(7)).length, 22, "without a filter, untagged entities are listed too");
  });

  it("/tags: one row per (entity, tag), paged without repeats or gaps", async () => {
    const rows: string[] = [];
    let offset: string | undefined;
    do {
      const page = await store.tags({ size: 4, offset });
      rows.push(...page.data.map((r) => `${r.entity_name}:${r.entity_id}:${r.tag}`));
      offset = page.offset;
    } while (offset !== undefined);
    assert.equal(rows.length, 20 + 10 + 6);
    assert.equal(new Set(rows).size, rows.length);
    assert.ok(rows.includes(`consumers:${id(6)}:three`));
  });

  it("/tags/{tag}: only that tag", async () => {
    const page = await store.tags({ size: 100, tag: "three" });
    assert.deepEqual(
      page.data.map((r) => r.entity_id),
      [3, 6, 9, 12, 15, 18].map(id),
    );
    assert.deepEqual(page.data[0], { entity_name: "consumers", entity_id: id(3), tag: "three" });
    assert.equal(page.offset, undefined);
  });

  it("a bad offset is Kong's code 7, base64 checked strictly, then JSON", async () => {
    assert.equal(await offsetError(() => store.daos.consumers.list({ size: 1, offset: "not*base64" })), "'not*base64' is not a valid offset: bad base64 encoding");
    assert.equal(await offsetError(() => store.daos.consumers.list({ size: 1, offset: "YWJj" })), "'YWJj' is not a valid offset: bad json encoding");
    // an entity list's offset is no /tags offset
    const entityOffset = (await store.daos.consumers.list({ size: 1 })).offset!;
    assert.match(await offsetError(() => store.tags({ size: 1, offset: entityOffset })), /bad json encoding$/);
  });
});
