import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EMPTY_CONFIGURATION_HASH } from "@tether/store";
import { readiness, type ReadinessFacts } from "./ready.ts";

const traditional: ReadinessFacts = { draining: false, databaseReachable: true, dbless: false, workers: 1, proxiesReady: 1, configurationHash: undefined };
const dbless: ReadinessFacts = { ...traditional, dbless: true, workers: 2, proxiesReady: 2, configurationHash: "5b0d1b4b3b0e1c8f9b2a3c4d5e6f7a8b" };
const not = (message: string) => ({ ready: false, message });

describe("GET /status/ready (Kong's kong/status/ready.lua)", () => {
  it("a traditional node: ready once a proxy has built its router; the database must answer", () => {
    assert.deepEqual(readiness(traditional), { ready: true });
    assert.deepEqual(readiness({ ...traditional, workers: 4, proxiesReady: 1 }), { ready: true });
    assert.deepEqual(readiness({ ...traditional, proxiesReady: 0 }), not("router builds not yet complete"));
    assert.deepEqual(readiness({ ...traditional, databaseReachable: false }), not("failed to connect to database"));
  });

  it("a DB-less node: every worker built, and a configuration that is not empty", () => {
    assert.deepEqual(readiness(dbless), { ready: true });
    assert.deepEqual(readiness({ ...dbless, proxiesReady: 1 }), not("router builds not yet complete, router ready in 1 of 2 workers"));
    assert.deepEqual(readiness({ ...dbless, configurationHash: EMPTY_CONFIGURATION_HASH }), not("no configuration available (empty configuration present)"));
    assert.deepEqual(readiness({ ...dbless, configurationHash: undefined }), not("no configuration available (configuration hash is not initialized)"));
  });

  it("Kong's order: draining first, then the database, then the configuration", () => {
    assert.deepEqual(readiness({ ...dbless, draining: true, databaseReachable: false, proxiesReady: 0 }), not("draining"));
    assert.deepEqual(readiness({ ...traditional, databaseReachable: false, proxiesReady: 0 }), not("failed to connect to database"));
    assert.deepEqual(readiness({ ...dbless, proxiesReady: 0, configurationHash: EMPTY_CONFIGURATION_HASH }), not("router builds not yet complete, router ready in 0 of 2 workers"));
  });
});
