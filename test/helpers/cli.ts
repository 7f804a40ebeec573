// Runs one `tether <command>` to completion (not `start`, see tether.ts for that), as users run it.
import { execFile } from "node:child_process";
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
