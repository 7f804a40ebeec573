// The `tether` command as users run it: bad configuration stops it with a message naming the
// key; migrations are numbered, recorded, and idempotent.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { REPO_ROOT } from "../helpers/tether.ts";

function tether(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO_ROOT, "packages/cli/src/main.ts"), ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("tether CLI", () => {
  for (const [key, value] of [["TETHER_ADMIN_LISTEN", "nonsense"], ["TETHER_PROXY_LISTEN", "0.0.0.0:8443 tls"], ["TETHER_LOG_LEVEL", "chatty"], ["TETHER_SSL_CERT", "/does/not/exist.pem"]] as const)
    it(`start exits non-zero on a bad ${key}, naming the key`, async () => {
      const res = await tether(["start"], { [key]: value, TETHER_PREFIX: mkdtempSync(join(tmpdir(), "tether-cli-")) });
      assert.equal(res.code, 1);
      const name = key.replace("TETHER_", "").toLowerCase();
      assert.match(res.stderr, new RegExp(`configuration error: ${name === "ssl_cert" ? "ssl_cert(_key)?" : name}:`));
    });

  it("migrations up applies the numbered migrations once; list shows them executed", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "tether-cli-"));
    try {
      const first = await tether(["migrations", "up"], { TETHER_PREFIX: prefix });
      assert.equal(first.code, 0);
      assert.match(first.stdout, /applied: 0001_init/);
      const again = await tether(["migrations", "up"], { TETHER_PREFIX: prefix });
      assert.equal(again.stdout.trim(), "database is up to date");
      const list = await tether(["migrations", "list"], { TETHER_PREFIX: prefix });
      assert.match(list.stdout, /^0001_init\texecuted \d{4}-/m);
      const db = new Database(join(prefix, "tether.db"), { readonly: true });
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => (r as { name: string }).name);
      db.close();
      for (const t of ["services", "routes", "plugins", "consumers", "config_version", "schema_migrations"]) assert.ok(tables.includes(t), t);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("an unknown command exits 2 with the usage", async () => {
    const res = await tether(["frobnicate"], {});
    assert.equal(res.code, 2);
    assert.match(res.stderr, /unknown command 'frobnicate'/);
  });
});
