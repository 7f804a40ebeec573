// Runs one `tether <command>` to completion (not `start`, see tether.ts for that), as users run it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./tether.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTether(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), join(REPO_ROOT, "packages/cli/src/main.ts"), ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * `db_import` of an export into a fresh prefix under `scratch`, then `db_export` again: the same
 * bytes back, or the assertion says which step failed.
 */
export async function assertExportRoundTrips(exportFile: string, exported: string, scratch: string): Promise<void> {
  const fresh = join(scratch, "fresh");
  const imported = await runTether(["config", "db_import", exportFile], { TETHER_PREFIX: fresh });
  assert.equal(imported.code, 0, imported.stderr);
  const again = join(scratch, "again.yml");
  const exportedAgain = await runTether(["config", "db_export", again], { TETHER_PREFIX: fresh });
  assert.equal(exportedAgain.code, 0, exportedAgain.stderr);
  assert.equal(readFileSync(again, "utf8"), exported);
}
