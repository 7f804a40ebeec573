import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { bundledPlugins } from "@tether/plugins";
import { openSqliteStore } from "@tether/store";
import { createAdminApp } from "../app.ts";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const stats = {
  total_requests: 0,
  connections_active: 0,
  connections_accepted: 0,
  connections_handled: 0,
  connections_reading: 0,
  connections_writing: 0,
  connections_waiting: 0,
};

describe("GET /status", () => {
  it("a store that cannot be read reports database.reachable false, not a 500", async () => {
    const store = await openSqliteStore(":memory:");
    const app = createAdminApp({
      store,
      plugins: bundledPlugins,
      version: "0.0.0-test",
      nodeId: "00000000-0000-4000-8000-000000000000",
      configuration: {},
      stats: () => stats,
      appliedConfigVersion: () => 0,
      log: silent,
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
      const up = await fetch(url);
      assert.equal(up.status, 200);
      assert.deepEqual(((await up.json()) as { database: unknown }).database, { reachable: true });
      await store.close();
      const down = await fetch(url);
      assert.equal(down.status, 200);
      const body = (await down.json()) as { database: unknown; server: unknown };
      assert.deepEqual(body.database, { reachable: false });
      assert.deepEqual(body.server, stats);
    } finally {
      server.close();
    }
  });
});
