import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ConfigData } from "@tether/core";
import { readConfigFile, writeConfigFile } from "./config-file.ts";

describe("configuration files", () => {
  it("a file written before upstreams, targets, vaults, key sets and keys existed loads with them empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-config-file-"));
    try {
      const path = join(dir, "last-applied.json");
      // What an older Tether kept: none of them.
      const older = { version: 7, services: [], routes: [], plugins: [], consumers: [], certificates: [], snis: [], ca_certificates: [], mtls_auth_credentials: [] };
      writeConfigFile(path, older as unknown as ConfigData);
      const read = readConfigFile(path)!;
      assert.equal(read.data.version, 7);
      const later = [read.data.upstreams, read.data.targets, read.data.vaults, read.data.key_sets, read.data.keys];
      assert.deepEqual(later, [[], [], [], [], []]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
