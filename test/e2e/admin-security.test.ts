// The Admin API's own protection: with TETHER_ADMIN_TOKEN set, every request (any method, any
// path, OPTIONS included) needs `Authorization: Bearer <token>`, and a refused request writes
// nothing; secrets (the token, client_secret, session_secret, private keys) never reach the log,
// not on validation errors and not on a 500; the Admin API listens on loopback unless told not to.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { loadConfig, sanitizedConfig } from "../../packages/cli/src/config/load.ts";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { startTether, type Tether } from "../helpers/tether.ts";

const TOKEN = `adm-${randomBytes(18).toString("hex")}`;
const CLIENT_SECRET = `cs-${randomBytes(12).toString("hex")}`;
const SESSION_SECRET = `ss-${randomBytes(16).toString("hex")}`;
const ISSUER = "https://idp.tether.test/realms/security";
const UNAUTHORIZED = { message: "Unauthorized" };

let t: Tether;
let pki: TestPki;

interface Res {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function call(method: string, path: string, options: { authorization?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers["authorization"] = options.authorization;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${t.admin}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body, text, headers: res.headers };
}
const admin = (method: string, path: string, body?: unknown) => call(method, path, { authorization: `Bearer ${TOKEN}`, body });

function configVersion(): number {
  const db = new Database(join(t.prefix, "data", "tether.db"), { readonly: true });
  try {
    return (db.prepare("SELECT version FROM config_version").get() as { version: number }).version;
  } finally {
    db.close();
  }
}

/** Everything the process wrote: its JSON log lines and stderr. */
const everythingLogged = (): string => JSON.stringify(t.logs) + t.stderr.join("\n");

before(async () => {
  pki = createPki();
  t = await startTether({ env: { TETHER_ADMIN_TOKEN: TOKEN } });
});
after(async () => {
  await t?.stop();
  rmSync(pki.dir, { recursive: true, force: true });
});

describe("TETHER_ADMIN_TOKEN", () => {
  let existing: { id: string };
  let servicesBefore: unknown;
  let versionBefore: number;

  before(async () => {
    const created = await admin("POST", "/services", { name: "existing", host: "existing.internal" });
    assert.equal(created.status, 201);
    existing = created.body;
    servicesBefore = (await admin("GET", "/services")).body;
    versionBefore = configVersion();
  });

  const attempts: [string, string, unknown?][] = [
    ["GET", "/"],
    ["GET", "/status"],
    ["GET", "/services"],
    ["GET", "/services/existing"],
    ["HEAD", "/services"],
    ["POST", "/services", { name: "intruder", host: "evil.example" }],
    ["PUT", "/services/intruder", { host: "evil.example" }],
    ["PATCH", "/services/existing", { host: "evil.example" }],
    ["DELETE", "/services/existing"],
    ["POST", "/consumers", { username: "intruder" }],
    ["POST", "/plugins", { name: "tls-handshake-modifier" }],
    ["GET", "/no/such/path"],
  ];

  test("OPTIONS (a CORS preflight cannot carry the token) is answered without it, with no data", async () => {
    const res = await call("OPTIONS", "/services", {});
    assert.equal(res.status, 204);
    assert.equal(res.text, "");
    assert.match(String(res.headers.get("access-control-allow-headers")), /Authorization/);
  });

  test("no Authorization header: 401 for every method and path", async () => {
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { body });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="tether-admin"', `${method} ${path}`);
      if (method !== "HEAD") assert.deepEqual(res.body, UNAUTHORIZED, `${method} ${path}`);
      else assert.equal(res.text, "");
    }
  });

  test("a wrong token, a near miss, another scheme or Kong's RBAC header: 401", async () => {
    const wrong = [
      "Bearer not-the-token",
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}`,
      TOKEN,
      "Bearer",
      "Bearer ",
    ];
    for (const authorization of wrong)
      for (const [method, path, body] of attempts) {
        const res = await call(method, path, { authorization, body });
        assert.equal(res.status, 401, `${method} ${path} with '${authorization.slice(0, 12)}…'`);
      }
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { headers: { "kong-admin-token": TOKEN }, body });
      assert.equal(res.status, 401, `${method} ${path} with Kong-Admin-Token`);
    }
  });

  test("nothing a refused request asked for was written", async () => {
    assert.deepEqual((await admin("GET", "/services")).body, servicesBefore);
    assert.equal((await admin("GET", "/consumers")).body.data.length, 0);
    assert.equal((await admin("GET", "/plugins")).body.data.length, 0);
    assert.equal(configVersion(), versionBefore, "not a single write reached the store");
  });

  test("the right token works for every method (the scheme is case-insensitive)", async () => {
    assert.equal((await admin("GET", "/")).status, 200);
    assert.equal((await admin("HEAD", "/services")).status, 200);
    const created = await admin("POST", "/services", { name: "allowed", host: "allowed.internal" });
    assert.equal(created.status, 201);
    assert.equal((await admin("PATCH", "/services/allowed", { port: 8080 })).body.port, 8080);
    assert.equal((await admin("PUT", "/services/allowed", { host: "allowed.internal" })).status, 200);
    assert.equal((await call("DELETE", "/services/allowed", { authorization: `bearer ${TOKEN}` })).status, 204);
    assert.equal((await admin("GET", `/services/${existing.id}`)).status, 200);
  });

  test("GET / shows the configuration without the token", async () => {
    const res = await admin("GET", "/");
    assert.equal(res.body.configuration.admin_token, "******");
    assert.ok(!res.text.includes(TOKEN));
  });
});

describe("secrets never reach the log", () => {
  const oidc = (config: Record<string, unknown>) => ({
    name: "openid-connect",
    config: { issuer: ISSUER, client_id: ["gw"], client_secret: [CLIENT_SECRET], session_secret: SESSION_SECRET, ...config },
  });

  test("not on success, not on validation errors, not on refused requests", async () => {
    assert.equal((await admin("POST", "/services", { name: "secured", host: "secured.internal" })).status, 201);
    assert.equal((await admin("POST", "/services/secured/plugins", oidc({ auth_methods: ["bearer"] }))).status, 201);
    const invalid = await admin("POST", "/plugins", oidc({ auth_methods: ["password"], proof_of_possession_mtls: "strict", leeway: "soon" }));
    assert.equal(invalid.status, 400);
    assert.ok(!invalid.text.includes(CLIENT_SECRET), "an error names fields, it does not echo secrets");
    // Private keys: accepted, and refused (a key that does not match): neither may log the key.
    assert.equal((await admin("POST", "/certificates", { cert: pki.server.cert, key: pki.server.key })).status, 201);
    const mismatch = await admin("POST", "/certificates", { cert: pki.server.cert, key: pki.clients.alice.key });
    assert.ok(!mismatch.text.includes(pki.clients.alice.key.split("\n")[1]!));
    await call("POST", "/plugins", { authorization: `Bearer ${CLIENT_SECRET}`, body: oidc({}) });
    await call("GET", "/", { authorization: `Basic ${Buffer.from(`admin:${SESSION_SECRET}`).toString("base64")}` });
  });

  test("not on a 500 (the store locked by another writer past its busy timeout)", async () => {
    const before = t.logs.length;
    const db = new Database(join(t.prefix, "data", "tether.db"));
    try {
      db.exec("BEGIN IMMEDIATE"); // holds the write lock: the Admin API's write waits 5 s, then fails
      const res = await admin("POST", "/routes", { name: "during-lock", paths: ["/x"], tags: [CLIENT_SECRET] });
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { message: "An unexpected error occurred" });
      db.exec("ROLLBACK");
    } finally {
      db.close();
    }
    const logged = t.logs.slice(before).find((l) => l.msg === "admin request failed");
    assert.ok(logged, "the cause of a 500 is logged, for the operator");
    assert.match(String(logged["error"]), /database is locked|SQLITE_BUSY/i);
    assert.equal((await admin("GET", "/routes/during-lock")).status, 404, "and nothing was written");
  });

  test("the whole log is clean", () => {
    const logged = everythingLogged();
    const keyLine = (pem: string): string => pem.split("\n").find((l) => l.length > 40)!;
    for (const [name, secret] of [
      ["admin token", TOKEN],
      ["client_secret", CLIENT_SECRET],
      ["session_secret", SESSION_SECRET],
      ["private key", keyLine(pki.server.key)],
      ["refused private key", keyLine(pki.clients.alice.key)],
    ] as const)
      assert.ok(!logged.includes(secret), `${name} found in the log`);
    assert.ok(t.logs.length > 0);
  });
});

describe("listening on loopback by default", () => {
  test("the start-up log line shows the Admin API on 127.0.0.1", () => {
    const line = t.logs.find((l) => l.msg === "admin listening");
    assert.ok(line);
    assert.equal(line["host"], "127.0.0.1");
    assert.match(String(line["listener"]), /^127\.0\.0\.1:\d+$/);
  });

  test("and that host is the default, token or not (only the port was overridden above)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-listen-"));
    try {
      for (const env of [{}, { TETHER_ADMIN_TOKEN: TOKEN }]) {
        const config = loadConfig(env, dir);
        assert.deepEqual(config.admin_listen, [{ host: "127.0.0.1", port: 8001, ssl: false }]);
        assert.ok(!JSON.stringify(sanitizedConfig(config)).includes(TOKEN));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
