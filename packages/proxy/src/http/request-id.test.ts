import assert from "node:assert/strict";
import { it } from "node:test";
import { nextRequestId } from "./request-id.ts";

it("gives distinct 32-hex ids across pool refills", () => {
  const ids = new Set(Array.from({ length: 1000 }, nextRequestId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
});
