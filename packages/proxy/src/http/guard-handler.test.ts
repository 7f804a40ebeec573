import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "node:test";
import { guardHandler } from "./guard-handler.ts";

it("turns an exception escaping the request path into a logged 500, and keeps serving", async () => {
  const logged: string[] = [];
  const log = { info() {}, warn() {}, error: (m: string) => void logged.push(m) };
  let calls = 0;
  const server = http.createServer(
    guardHandler(async (_req, res) => {
      if (calls++ === 0) throw new TypeError("a bug");
      res.end("ok");
    }, log),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const first = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(first.status, 500);
  assert.deepEqual(await first.json(), { message: "An unexpected error occurred" });
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "ok");
  assert.deepEqual(logged, ["request failed unexpectedly"]);
  server.close();
});
