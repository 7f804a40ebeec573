// Three real Tether nodes on one real PostgreSQL, with the real IdP issuing certificate-bound
// tokens: start together on an empty database, see and enforce each other's writes, share the
// session secret, keep names unique and lose no write, and ride out a database outage.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { CLIENTS, startIdp, type Idp } from "../fixtures/idp/index.ts";
import { createPki, type Pem, type TestPki } from "../fixtures/pki/index.ts";
import { postgresMissing, startPostgres, type Postgres } from "../fixtures/postgres/index.ts";
import { startEcho, type Echo } from "../fixtures/upstream/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { runTether } from "../helpers/cli.ts";
import { adminJson, startTether, waitFor, type AdminResponse, type Tether } from "../helpers/tether.ts";

const MISMATCH = "the client certificate thumbprint does not match the x5t#S256 claim";
const skip = postgresMissing();

function check(res: AdminResponse, status: number): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

describe("a cluster of three nodes on PostgreSQL", { skip, timeout: 600_000 }, () => {
  let pg: Postgres;
  let pki: TestPki;
  let idp: Idp;
  let echo: Echo;
  let nodes: Tether[] = [];
  let env: Record<string, string>;
  let bound: string;
  /** Each node's id, by prefix: a node keeps it across restarts. */
  const ids = new Map<string, string>();

  const call = (node: Tether, path: string, opts: { cert?: Pem; token?: string; cookie?: string } = {}) =>
    tlsRequest({
      port: node.httpsPort,
      path,
      ...(opts.cert ? { cert: opts.cert } : {}),
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    });

  /** Every node's proxy enforces every write made so far (its applied version caught up with the database's). */
  const converged = (of: Tether[] = nodes, timeoutMs = 5_000) =>
    waitFor(async () => {
      for (const node of of) {
        const { configuration } = check(await adminJson(node, "GET", "/status"), 200);
        if (configuration.applied_version < configuration.version) return false;
      }
      return true;
    }, timeoutMs, 10);

  /** The certificate binding, as every node must enforce it: alice's bound token passes with alice's certificate only. */
  async function assertBindingEnforced(node: Tether, path: string): Promise<void> {
    const right = await call(node, path, { cert: pki.clients.alice, token: bound });
    assert.equal(right.status, 200, `right certificate on :${node.httpsPort}: ${right.text}`);
    const wrong = await call(node, path, { cert: pki.clients.bob, token: bound });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers["www-authenticate"]), new RegExp(MISMATCH));
    assert.equal((await call(node, path, { token: bound })).status, 401, "no certificate");
  }

  before(async () => {
    pki = createPki();
    [pg, idp, echo] = await Promise.all([startPostgres(), startIdp({ pki }), startEcho()]);
    await pg.createDatabase("cluster");
    env = { ...pg.env("cluster"), TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath, TETHER_DB_UPDATE_FREQUENCY: "1" };
    // The same moment, an empty database: every node must come up, one of them migrating.
    nodes = await Promise.all([1, 2, 3].map(() => startTether({ env, keepPrefix: true })));
    bound = await idp.token({ ...CLIENTS.certBound, cert: pki.clients.alice }).then((r) => r.body.access_token as string);
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    for (const node of nodes) rmSync(node.prefix, { recursive: true, force: true });
    await Promise.all([idp?.stop(), echo?.stop(), pg?.destroy()]);
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it("three nodes started together on an empty database all come up; exactly one migrates", async () => {
    const migrated = nodes.filter((n) => n.logs.some((l) => l.msg === "database migrated" && (l["applied"] as string[]).length > 0));
    const upToDate = nodes.filter((n) => n.logs.some((l) => l.msg === "database is up to date"));
    assert.equal(migrated.length, 1, "one node applied the migrations");
    assert.equal(upToDate.length, 2, "the others waited for the lock, then found nothing to do");
    const listed = await runTether(["migrations", "list"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, /pending/);
    assert.match(listed.stdout, /^0001_init\texecuted /m);
    assert.equal((await runTether(["migrations", "up"], env)).stdout.trim(), "database is up to date");
    for (const node of nodes) {
      const root = check(await adminJson(node, "GET", "/"), 200);
      assert.equal(root.configuration.database, "postgres");
      assert.equal(root.configuration.pg_password, "******");
      ids.set(node.prefix, root.node_id);
    }
    assert.equal(new Set(ids.values()).size, 3, "every node its own id");
  });

  it("a write on one node's Admin API is enforced by every node's proxy, certificate binding included", async () => {
    const [a, b, c] = nodes as [Tether, Tether, Tether];
    check(await adminJson(a, "POST", "/services", { name: "orders", url: echo.url }), 201);
    check(await adminJson(b, "POST", "/services/orders/routes", { name: "orders", paths: ["/orders"] }), 201);
    check(await adminJson(c, "POST", "/services/orders/plugins", { name: "tls-handshake-modifier" }), 201);
    const plugin = { name: "openid-connect", config: { issuer: idp.issuer, auth_methods: ["bearer", "session"], proof_of_possession_mtls: "strict" } };
    check(await adminJson(a, "POST", "/services/orders/plugins", plugin), 201);
    await converged();
    for (const node of nodes) {
      assert.equal(check(await adminJson(node, "GET", "/services/orders"), 200).url ?? echo.url, echo.url);
      await assertBindingEnforced(node, "/orders");
    }
  });

  it("propagation: a route created on node 2 answers on node 3 well within a second (LISTEN/NOTIFY, not the 1 s poll)", async () => {
    const [, b, c] = nodes as [Tether, Tether, Tether];
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      assert.equal((await call(c, `/fresh-${i}`)).status, 404);
      const started = Date.now();
      check(await adminJson(b, "POST", "/services/orders/routes", { paths: [`/fresh-${i}`] }), 201);
      await waitFor(async () => (await call(c, `/fresh-${i}`)).status !== 404, 1_000, 2);
      timings.push(Date.now() - started);
    }
    timings.sort((x, y) => x - y);
    console.log(`# write on node 2 → routed on node 3: ${timings.join(", ")} ms`);
    // The poll runs once a second here (db_update_frequency = 1): a median under 500 ms is the notification.
    assert.ok(timings[2]! < 500, `median ${timings[2]} ms`);
  });

  it("a session cookie made on node 1 opens on nodes 2 and 3 (the secret is created once, in the database)", async () => {
    const [a] = nodes as [Tether];
    const made = await call(a, "/orders", { cert: pki.clients.alice, token: bound });
    assert.equal(made.status, 200);
    const setCookie = ([] as string[]).concat(made.headers["set-cookie"] ?? []).find((c) => c.startsWith("session="));
    assert.ok(setCookie, "node 1 set a session cookie");
    const jar = setCookie.split(";", 1)[0]!;
    for (const node of nodes) {
      const before = echo.requests.length;
      const res = await call(node, "/orders", { cert: pki.clients.alice, cookie: jar });
      assert.equal(res.status, 200, `node :${node.httpsPort}: ${res.text}`);
      assert.equal(echo.requests.length, before + 1);
    }
    assert.equal((await call(nodes[2]!, "/orders", { cert: pki.clients.bob, cookie: jar })).status, 401, "the binding holds on sessions too");
    const secrets = pg.psql("cluster", "SELECT count(*) FROM secrets").trim();
    assert.equal(secrets, "1", "one secret for the whole cluster");
  });

  it("unique names hold across nodes: 30 concurrent creates of one name, one 201 and 29 of Kong's 409", async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => adminJson(nodes[i % 3]!, "POST", "/consumers", { username: "contended" })),
    );
    const created = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    assert.equal(created.length, 1);
    assert.equal(conflicts.length, 29, JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body)));
    assert.deepEqual(conflicts[0]!.body, {
      code: 5,
      name: "unique constraint violation",
      message: "UNIQUE violation detected on '{username=\"contended\"}'",
      fields: { username: "contended" },
    });
  });

  it("concurrent writers on every node lose nothing: 300 creates, 300 consumers seen by every node", async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => adminJson(nodes[i % 3]!, "POST", "/consumers", { username: `bulk-${i}`, tags: ["bulk"] })),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
    for (const node of nodes) {
      const seen = new Set<string>();
      let next: string | null = "/consumers?tags=bulk&size=70";
      while (next) {
        const page = check(await adminJson(node, "GET", next), 200);
        for (const consumer of page.data) seen.add(consumer.username);
        next = page.next;
      }
      assert.equal(seen.size, 300);
    }
  });

  it("a node with --workers 2: every worker listens, follows writes made on other nodes, and opens the cluster's sessions", async () => {
    const node = await startTether({ env: { ...env, TETHER_WORKERS: "2" } });
    try {
      check(await adminJson(nodes[0]!, "POST", "/services/orders/routes", { paths: ["/via-workers"] }), 201);
      // 20 answers in a row on fresh connections, spread over both workers.
      let streak = 0;
      await waitFor(async () => {
        streak = (await call(node, "/via-workers", { cert: pki.clients.alice, token: bound })).status === 200 ? streak + 1 : 0;
        return streak >= 20;
      }, 5_000, 5);
      const made = await call(nodes[0]!, "/orders", { cert: pki.clients.alice, token: bound });
      const jar = ([] as string[]).concat(made.headers["set-cookie"] ?? []).find((c) => c.startsWith("session="))!.split(";", 1)[0]!;
      for (let i = 0; i < 10; i++) assert.equal((await call(node, "/orders", { cert: pki.clients.alice, cookie: jar })).status, 200);
    } finally {
      await node.stop();
    }
  });

  it("a frozen PostgreSQL (a hung host, no refusal): the Admin API still answers Kong's 500 within pg_timeout, proxies keep enforcing", async () => {
    const node = await startTether({ env: { ...env, TETHER_PG_TIMEOUT: "1000" } });
    try {
      await converged([node]);
      pg.freeze();
      try {
        const started = Date.now();
        const res = await adminJson(node, "GET", "/consumers");
        const elapsed = Date.now() - started;
        assert.equal(res.status, 500);
        assert.deepEqual(res.body, { message: "An unexpected error occurred" });
        assert.ok(elapsed < 3_000, `answered after ${elapsed} ms`);
        assert.deepEqual(check(await adminJson(node, "GET", "/status"), 200).database, { reachable: false });
        await assertBindingEnforced(node, "/orders");
      } finally {
        pg.thaw();
      }
      await waitFor(async () => (await adminJson(node, "GET", "/consumers?size=1")).status === 200, 10_000, 100);
    } finally {
      await node.stop();
    }
  });

  it("PostgreSQL down: proxies keep enforcing, the Admin API answers Kong's 500 at once, /status says unreachable; a node restarted meanwhile serves its last configuration; back up, every node catches up by itself", async () => {
    await converged();
    await pg.stop();
    try {
      for (const node of nodes) await assertBindingEnforced(node, "/orders");
      const [a, b, c] = nodes as [Tether, Tether, Tether];
      const started = Date.now();
      const down = await adminJson(a, "GET", "/services");
      assert.equal(down.status, 500);
      assert.deepEqual(down.body, { message: "An unexpected error occurred" });
      assert.ok(Date.now() - started < 2_000, "bounded, no hang");
      assert.ok(a.logs.some((l) => l.msg === "admin request failed" && /ECONNREFUSED|connect/.test(String(l["error"]))), "the log says why");
      assert.equal(check(await adminJson(b, "POST", "/consumers", { username: "during-outage" }), 500).message, "An unexpected error occurred");
      assert.deepEqual(check(await adminJson(b, "GET", "/status"), 200).database, { reachable: false });

      // Beyond Kong: a node restarted during the outage serves the configuration it last applied.
      const prefix = c.prefix;
      await c.stop();
      const restarted = await startTether({ prefix, keepPrefix: true, env });
      nodes[2] = restarted;
      assert.ok(restarted.logs.some((l) => l.msg === "serving the last applied configuration"));
      await assertBindingEnforced(restarted, "/orders");
    } finally {
      await pg.start();
    }
    const [a, , c] = nodes as [Tether, Tether, Tether];
    // Back: the first write goes through without any restart, and every node (the restarted one too) enforces it.
    await waitFor(async () => (await adminJson(a, "POST", "/services/orders/routes", { paths: ["/after-outage"] })).status === 201, 15_000, 200);
    await waitFor(async () => (await call(c, "/after-outage", { cert: pki.clients.alice, token: bound })).status === 200, 10_000, 50);
    await converged(nodes, 10_000);
    for (const node of nodes) assert.deepEqual(check(await adminJson(node, "GET", "/status"), 200).database, { reachable: true });
    assert.equal(check(await adminJson(c, "GET", "/"), 200).node_id, ids.get(c.prefix), "the restarted node kept its id");
  });

  it("the last applied configuration is checked on read: a damaged copy is refused, never half-loaded", async () => {
    const { readFileSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const file = join(nodes[0]!.prefix, "data", "config", "last-applied.json");
    const text = readFileSync(file, "utf8");
    assert.equal(readFileSync(file).subarray(0, 1).toString(), "{", "a header line first");
    writeFileSync(file, text.replace("/orders", "/ordxrs"));
    await pg.stop();
    try {
      const res = await runTether(["start"], { ...env, TETHER_PREFIX: join(nodes[0]!.prefix, "data"), TETHER_ADMIN_LISTEN: "127.0.0.1:0", TETHER_PROXY_LISTEN: "127.0.0.1:0" });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /checksum mismatch/);
    } finally {
      writeFileSync(file, text);
      await pg.start();
    }
  });
});

describe("PostgreSQL settings and start-up errors", { skip }, () => {
  let pg: Postgres;
  before(async () => {
    pg = await startPostgres();
    await pg.createDatabase("settings");
  });
  after(() => pg?.destroy());

  const start = (extra: Record<string, string>) =>
    runTether(["start"], { ...pg.env("settings"), TETHER_PREFIX: "/nonexistent-tether-prefix", TETHER_ADMIN_LISTEN: "127.0.0.1:0", TETHER_PROXY_LISTEN: "127.0.0.1:0", ...extra });

  it("a bad value stops the start naming the key", async () => {
    for (const [key, value] of [["PG_PORT", "abc"], ["PG_TIMEOUT", "-1"], ["PG_POOL_SIZE", "0"], ["PG_SSL", "maybe"], ["PG_SCHEMA", "Bad-Schema"], ["DATABASE", "cassandra"]] as const) {
      const res = await runTether(["migrations", "list"], { ...pg.env("settings"), [`TETHER_${key}`]: value });
      assert.equal(res.code, 1, `${key}=${value}`);
      assert.match(res.stderr, new RegExp(`^tether: configuration error: ${key.toLowerCase()}: `), res.stderr);
    }
  });

  it("a wrong password, a missing database, or an unreachable server: one line that says so, exit 1", async () => {
    const wrong = await start({ TETHER_PG_PASSWORD: "not-the-password" });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^tether: \[postgres error\] could not use PostgreSQL at tether@127\.0\.0\.1:\d+\/settings: password authentication failed for user "tether"\n$/);
    assert.ok(!wrong.stderr.includes("not-the-password"), "never the password");
    const missing = await start({ TETHER_PG_DATABASE: "nope" });
    assert.match(missing.stderr, /^tether: \[postgres error\] .*database "nope" does not exist\n$/);
    const noTls = await start({ TETHER_PG_SSL: "on" });
    assert.equal(noTls.code, 1);
    assert.match(noTls.stderr, /^tether: \[postgres error\] .*: The server does not support SSL connections\n$/, "pg_ssl = on insists on TLS");
    const closed = await start({ TETHER_PG_PORT: "1" });
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /^tether: \[postgres error\] could not use PostgreSQL at tether@127\.0\.0\.1:1\/settings: connection refused\n$/);
  });

  it("pg_schema: the tables live in that schema, created by the first node", async () => {
    const res = await runTether(["migrations", "up"], { ...pg.env("settings"), TETHER_PG_SCHEMA: "tether_a" });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(pg.psql("settings", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tether_a' AND table_name = 'services'").trim(), "1");
    assert.equal(pg.psql("settings", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'services'").trim(), "0");
  });
});

describe("moving over: an SQLite node's export, imported into PostgreSQL, exports byte for byte the same", { skip }, () => {
  let pg: Postgres;
  let pki: TestPki;
  let dir: string;
  before(async () => {
    pki = createPki();
    pg = await startPostgres();
    await pg.createDatabase("moved");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    dir = mkdtempSync(`${tmpdir()}/tether-move-`);
  });
  after(async () => {
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it("db_import (SQLite) → db_export → db_import (PostgreSQL) → db_export: identical files", async () => {
    const { readFileSync, writeFileSync } = await import("node:fs");
    const { declarativeFixture } = await import("../fixtures/declarative/index.ts");
    const sqlite = { TETHER_PREFIX: `${dir}/sqlite` };
    const postgres = { ...pg.env("moved"), TETHER_PREFIX: `${dir}/postgres` };
    writeFileSync(`${dir}/kong.yml`, declarativeFixture("kong-db-export.yml", pki));
    const run = async (env: Record<string, string>, ...args: string[]) => {
      const res = await runTether(["config", ...args], env);
      assert.equal(res.code, 0, res.stderr);
      return res;
    };
    await run(sqlite, "db_import", `${dir}/kong.yml`);
    await run(sqlite, "db_export", `${dir}/from-sqlite.yml`);
    await run(postgres, "db_import", `${dir}/from-sqlite.yml`);
    await run(postgres, "db_export", `${dir}/from-postgres.yml`);
    const fromSqlite = readFileSync(`${dir}/from-sqlite.yml`, "utf8");
    assert.match(fromSqlite, /services:/);
    assert.equal(readFileSync(`${dir}/from-postgres.yml`, "utf8"), fromSqlite);
    assert.ok(Number(pg.psql("moved", "SELECT count(*) FROM routes").trim()) > 0, "the rows are in PostgreSQL");
  });
});
