import assert from "node:assert/strict";
import { it } from "node:test";
import { createLogger } from "./logger.ts";

it("redacts secret-looking fields at any depth and honours the level", () => {
  const lines: string[] = [];
  const log = createLogger("info", (l) => lines.push(l));
  log.info("x", { client_secret: "CS-VALUE", nested: { session_secret: "SS-VALUE", authorization: "Bearer TOKEN-VALUE", ok: 1 }, token: "TOKEN-VALUE" });
  log.warn("y");
  createLogger("error", (l) => lines.push(l)).info("dropped");
  assert.equal(lines.length, 2);
  assert.ok(!/VALUE/.test(lines[0]!));
  assert.deepEqual(JSON.parse(lines[0]!).nested, { session_secret: "[redacted]", authorization: "[redacted]", ok: 1 });
});
