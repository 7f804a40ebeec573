// What the store guarantees, seen from outside the real process: concurrent writers cannot
// create duplicates, a write that fails leaves nothing behind, created_at stays and updated_at
// moves, the database runs in WAL mode, and an old database is brought up to date by both
// `tether migrations up` and `tether start`.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { loadMigrations } from "@tether/store";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { runTether } from "../helpers/cli.ts";
import { adminJson, startTether, type AdminResponse, type Tether } from "../helpers/tether.ts";

const ISSUER = "https://idp.tether.test/realms/store";

let t: Tether;
let pki: TestPki;

function check(res: AdminResponse, status: number): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
const api = (method: string, path: string, body?: unknown) => adminJson(t, method, path, body);

function withDb<T>(file: string, fn: (db: Database.Database) => T, readonly = true): T {
  const db = new Database(file, { readonly });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
const dbFile = (tether: Tether): string => join(tether.prefix, "data", "tether.db");
const count = (table: string, where = "1 = 1", ...params: unknown[]): number =>
  withDb(dbFile(t), (db) => (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get(...params) as { n: number }).n);
const version = (): number => withDb(dbFile(t), (db) => (db.prepare("SELECT version FROM config_version").get() as { version: number }).version);

/** Resolves just after the wall clock enters a new second, so the next write is a second later. */
async function nextSecond(): Promise<void> {
  const now = Date.now();
  await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + 20));
}

before(async () => {
  pki = createPki();
  t = await startTether();
});
after(async () => {
  await t?.stop();
  rmSync(pki.dir, { recursive: true, force: true });
});

describe("concurrent writers", () => {
  test("20 parallel POSTs of one service name: one 201, nineteen 409, one row", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api("POST", "/services", { name: "contended", host: `h${i}.internal` })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(19).fill(409)]);
    for (const r of results.filter((r) => r.status === 409))
      assert.deepEqual(r.body, { code: 5, name: "unique constraint violation", message: `UNIQUE violation detected on '{name="contended"}'`, fields: { name: "contended" } });
    assert.equal(count("services", "name = ?", "contended"), 1);
    assert.equal(check(await api("GET", "/services/contended"), 200).id, results.find((r) => r.status === 201)!.body.id);
  });

  test("parallel PUTs of one new name converge on one entity", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api("PUT", "/consumers/racer", { custom_id: `R-${i}` })));
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.status)));
    assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
    assert.equal(count("consumers", "username = ?", "racer"), 1);
  });
});

describe("a failed write leaves nothing behind", () => {
  test("a plugin refused by its last check (the PoP rule on config)", async () => {
    const svc = check(await api("POST", "/services", { name: "pop", host: "pop.internal" }), 201);
    const [plugins, v] = [count("plugins"), version()];
    check(await api("POST", `/services/${svc.id}/plugins`, { name: "openid-connect", config: { issuer: ISSUER, proof_of_possession_mtls: "strict" } }), 400);
    check(await api("PUT", "/plugins/named-pop", { name: "openid-connect", service: { id: svc.id }, config: { issuer: ISSUER, proof_of_possession_mtls: "strict" } }), 400);
    assert.deepEqual([count("plugins"), version()], [plugins, v]);
  });

  test("a route refused by an entity check, and a PATCH refused on the merged entity", async () => {
    const route = check(await api("POST", "/services/pop/routes", { name: "pop-route", paths: ["/pop"] }), 201);
    const [routes, v] = [count("routes"), version()];
    check(await api("POST", "/services/pop/routes", { name: "no-matcher" }), 400);
    check(await api("PATCH", "/routes/pop-route", { paths: null }), 400);
    assert.deepEqual(check(await api("GET", "/routes/pop-route"), 200), route, "the stored route is untouched");
    assert.deepEqual([count("routes"), version()], [routes, v]);
  });

  test("a certificate whose SNI is taken: no certificate either", async () => {
    check(await api("POST", "/certificates", { cert: pki.server.cert, key: pki.server.key, snis: ["taken.tether.test"] }), 201);
    const [certificates, snis, v] = [count("certificates"), count("snis"), version()];
    const res = await api("POST", "/certificates", { cert: pki.server.cert, key: pki.server.key, snis: ["fresh.tether.test", "taken.tether.test"] });
    assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(res.body));
    assert.deepEqual([count("certificates"), count("snis"), version()], [certificates, snis, v]);
    assert.equal(count("snis", "name = ?", "fresh.tether.test"), 0);
  });
});

test("created_at is kept across PUT and PATCH; updated_at moves (seconds)", async () => {
  const created = check(await api("POST", "/services", { name: "stamped", host: "a.internal" }), 201);
  assert.equal(created.updated_at, created.created_at);
  await nextSecond();
  const patched = check(await api("PATCH", "/services/stamped", { host: "b.internal" }), 200);
  assert.equal(patched.created_at, created.created_at);
  assert.ok(patched.updated_at > created.updated_at, `${patched.updated_at} > ${created.updated_at}`);
  await nextSecond();
  const put = check(await api("PUT", "/services/stamped", { host: "c.internal" }), 200);
  assert.equal(put.created_at, created.created_at);
  assert.ok(put.updated_at > patched.updated_at);
  assert.deepEqual(check(await api("GET", "/services/stamped"), 200), put);
});

test("the database runs in WAL mode", () => {
  assert.equal(withDb(dbFile(t), (db) => db.pragma("journal_mode", { simple: true })), "wal");
  assert.ok(existsSync(`${dbFile(t)}-wal`));
});

describe("migrations bring an old database up to date", () => {
  const [first, ...later] = loadMigrations("sqlite");
  const legacyService = {
    id: "6b0d2c4e-8f1a-4b3c-9d5e-7f6a8b9c0d1e",
    created_at: 1700000000,
    updated_at: 1700000000,
    tags: null,
    name: "from-0001",
    protocol: "http",
    host: "legacy.internal",
    port: 80,
    path: null,
    retries: 5,
    connect_timeout: 60000,
    write_timeout: 60000,
    read_timeout: 60000,
    client_certificate: null,
    tls_verify: null,
    tls_verify_depth: null,
    ca_certificates: null,
    enabled: true,
  };

  /** A prefix whose database has seen migration 0001 only, and holds one service written then. */
  function databaseAt0001(): { dir: string; data: string; file: string } {
    const dir = mkdtempSync(join(tmpdir(), "tether-migrate-"));
    const data = join(dir, "data");
    mkdirSync(data);
    const file = join(data, "tether.db");
    withDb(
      file,
      (db) => {
        db.exec("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, executed_at INTEGER NOT NULL)");
        db.exec(first!.sql);
        db.prepare("INSERT INTO schema_migrations (name, executed_at) VALUES (?, ?)").run(first!.name, 1700000000);
        db.prepare("INSERT INTO services (id, name, created_at, updated_at, entity) VALUES (?, ?, ?, ?, ?)").run(
          legacyService.id,
          legacyService.name,
          legacyService.created_at,
          legacyService.updated_at,
          JSON.stringify(legacyService),
        );
      },
      false,
    );
    return { dir, data, file };
  }
  const executed = (file: string): string[] =>
    withDb(file, (db) => (db.prepare("SELECT name FROM schema_migrations ORDER BY name").all() as { name: string }[]).map((r) => r.name));

  test("there is more than one migration to apply (the premise of these tests)", () => {
    assert.ok(first && later.length > 0);
  });

  test("`tether migrations list` shows what is pending and `up` applies it", async () => {
    const { dir, data, file } = databaseAt0001();
    try {
      const listed = await runTether(["migrations", "list"], { TETHER_PREFIX: data });
      assert.match(listed.stdout, new RegExp(`^${first!.name}\\texecuted `, "m"));
      for (const m of later) assert.match(listed.stdout, new RegExp(`^${m.name}\\tpending$`, "m"));
      const up = await runTether(["migrations", "up"], { TETHER_PREFIX: data });
      assert.equal(up.code, 0, up.stderr);
      assert.equal(up.stdout.trim(), `applied: ${later.map((m) => m.name).join(", ")}`);
      assert.deepEqual(executed(file), [first!.name, ...later.map((m) => m.name)]);
      const t2 = await startTether({ prefix: dir });
      try {
        assert.deepEqual(check(await adminJson(t2, "GET", "/services/from-0001"), 200), legacyService);
        check(await adminJson(t2, "POST", "/ca_certificates", { cert: pki.ca.cert }), 201);
      } finally {
        await t2.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("`tether start` migrates on its own, keeping the data", async () => {
    const { dir, file } = databaseAt0001();
    const t2 = await startTether({ prefix: dir, keepPrefix: true });
    try {
      assert.deepEqual(executed(file), [first!.name, ...later.map((m) => m.name)]);
      assert.deepEqual(check(await adminJson(t2, "GET", "/services/from-0001"), 200), legacyService);
      const consumer = check(await adminJson(t2, "POST", "/consumers", { username: "migrated" }), 201);
      check(await adminJson(t2, "POST", `/consumers/${consumer.id}/mtls-auth`, { subject_name: "migrated@tether.test" }), 201);
    } finally {
      await t2.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
