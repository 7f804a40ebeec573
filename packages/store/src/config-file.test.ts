import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ConfigData } from "@tether/core";
import { readConfigFile, writeConfigFile } from "./config-file.ts";

describe("configuration files", () => {
  it("a file written before upstreams, targets and vaults existed loads with them empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-config-file-"));
    try {
      const path = join(dir, "last-applied.json");
      // What an older Tether kept: no upstreams, targets nor vaults.
      const older = { version: 7, services: [], routes: [], plugins: [], consumers: [], certificates: [], snis: [], ca_certificates: [], mtls_auth_credentials: [] };
      writeConfigFile(path, older as unknown as ConfigData);
      const read = readConfigFile(path)!;
      assert.equal(read.data.version, 7);
      assert.deepEqual([read.data.upstreams, read.data.targets, read.data.vaults], [[], [], []]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
