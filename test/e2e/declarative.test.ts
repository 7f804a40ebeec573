// Declarative configuration (`tether config db_export | db_import | parse`), Kong's format: a
// configuration built through the Admin API survives export → import elsewhere → export byte for
// byte; files written the way `kong config db_export` and decK write them import; a bad file is
// reported with Kong's paths and messages and changes nothing, even half way through.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { declarativeId } from "../../packages/admin/src/declarative/ids.ts";
import { CLIENT_SECRET, declarativeFixture, SESSION_SECRET } from "../fixtures/declarative/index.ts";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { runTether, type CliRun } from "../helpers/cli.ts";
import { adminJson, startTether, waitFor, type AdminResponse, type Tether } from "../helpers/tether.ts";

const ISSUER = "https://idp.tether.test/realms/orders";
const NOT_FOUND = { message: "Not found" };

let pki: TestPki;
const scratch = mkdtempSync(join(tmpdir(), "tether-declarative-"));
let n = 0;
/** A fresh directory whose `data/` is a prefix (startTether's layout). */
const freshDir = (): string => mkdtempSync(join(scratch, "prefix-"));
const file = (name: string): string => join(scratch, `${++n}-${name}`);
const dataOf = (dir: string): string => join(dir, "data");

function ok(res: AdminResponse, status = 200): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
function succeeded(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}
const tether = (prefixData: string, ...args: string[]): Promise<CliRun> => runTether(["config", ...args], { TETHER_PREFIX: prefixData });

async function exportText(prefixData: string): Promise<string> {
  const out = file("export.yml");
  succeeded(await tether(prefixData, "db_export", out));
  return readFileSync(out, "utf8");
}

function configVersion(prefixData: string): number {
  const db = new Database(join(prefixData, "tether.db"), { readonly: true });
  try {
    return (db.prepare("SELECT version FROM config_version").get() as { version: number }).version;
  } finally {
    db.close();
  }
}

before(() => {
  pki = createPki();
});
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

describe("round trip: Admin API → db_export → db_import into a fresh prefix → db_export", () => {
  let source: Tether;
  let copy: Tether | undefined;
  const copyDir = freshDir();
  let first = "";

  before(async () => {
    source = await startTether();
    const ca = ok(await adminJson(source, "POST", "/ca_certificates", { cert: pki.ca.cert, tags: ["trust"] }), 201);
    const cert = ok(await adminJson(source, "POST", "/certificates", { cert: pki.server.cert, key: pki.server.key }), 201);
    ok(await adminJson(source, "POST", `/certificates/${cert.id}/snis`, { name: "api.tether.test" }), 201);
    const svc = ok(await adminJson(source, "POST", "/services", { name: "orders", url: "https://orders.internal:8443/v1", tags: ["team-orders"] }), 201);
    const route = ok(await adminJson(source, "POST", "/services/orders/routes", { name: "orders-api", paths: ["/orders", "~/orders/\\d+$"], protocols: ["https"], headers: { "x-region": ["eu"] } }), 201);
    ok(await adminJson(source, "POST", "/routes", { name: "standalone", hosts: ["other.tether.test"] }), 201);
    ok(await adminJson(source, "POST", "/routes/orders-api/plugins", {
      name: "openid-connect",
      config: { issuer: ISSUER, auth_methods: ["bearer"], proof_of_possession_mtls: "strict", client_id: ["gw"], client_secret: [CLIENT_SECRET], session_secret: SESSION_SECRET, cluster_cache_strategy: "off" },
    }), 201);
    ok(await adminJson(source, "POST", "/services/orders/plugins", { name: "tls-handshake-modifier" }), 201);
    ok(await adminJson(source, "POST", "/plugins", { name: "tls-handshake-modifier", service: { id: svc.id }, route: { id: route.id }, instance_name: "both-scopes" }), 201);
    ok(await adminJson(source, "POST", "/consumers", { username: "alice", custom_id: "A-1" }), 201);
    ok(await adminJson(source, "POST", "/consumers/alice/mtls-auth", { subject_name: "alice@tether.test", ca_certificate: { id: ca.id } }), 201);
    ok(await adminJson(source, "POST", "/consumers/alice/mtls-auth", { subject_name: "alice-any-ca@tether.test" }), 201);
    ok(await adminJson(source, "POST", "/consumers", { custom_id: "batch-7", tags: ["batch"] }), 201);
    // Exported while the source keeps running: WAL lets the CLI read a consistent snapshot.
    first = await exportText(dataOf(source.prefix));
  });
  after(async () => {
    await source?.stop();
    await copy?.stop();
  });

  test("the export is Kong's format: header, nested layout, secrets kept, private to its owner", () => {
    assert.match(first, /^_format_version: "3\.0"\n_transform: false\n/);
    for (const key of ["ca_certificates:", "certificates:", "consumers:", "mtls_auth_credentials:", "plugins:", "routes:", "services:"])
      assert.match(first, new RegExp(`^${key}$`, "m"), key);
    assert.match(first, /^ {4}routes:$/m, "routes nest in their service");
    assert.match(first, /^ {4}snis:$/m, "snis nest in their certificate");
    assert.match(first, /^ {4}mtls_auth_credentials:$/m, "credentials without a CA nest in their consumer");
    assert.ok(first.includes(CLIENT_SECRET) && first.includes(SESSION_SECRET), "an export is a backup: secrets included");
    assert.match(first, /cluster_cache_strategy: "off"/, "YAML 1.1 readers (Kong, decK) must not read a boolean");
  });

  test("imports into a fresh prefix and exports to the identical file", async () => {
    const exported = file("first.yml");
    writeFileSync(exported, first);
    const run = succeeded(await tether(dataOf(copyDir), "db_import", exported));
    assert.match(run.stdout, /^parse successful, beginning import\nimport successful \(13 entities; /m);
    assert.equal(await exportText(dataOf(copyDir)), first);
  });

  test("and the copy serves the same entities through the Admin API", async () => {
    copy = await startTether({ prefix: copyDir });
    for (const path of ["/services/orders", "/routes/orders-api", "/routes/standalone", "/plugins", "/consumers", "/mtls-auths", "/ca_certificates", "/snis/api.tether.test"])
      assert.deepEqual(ok(await adminJson(copy, "GET", path)), ok(await adminJson(source, "GET", path)), path);
  });

  test("the export file is readable by its owner only (it holds private keys)", async () => {
    const out = file("mode-check.yml");
    succeeded(await tether(dataOf(copyDir), "db_export", out));
    assert.equal(statSync(out).mode & 0o777, 0o600);
  });
});

describe("files from Kong's tools import", () => {
  test("`kong config db_export` output (flat, ids, `~` nulls, ws_id, _transform: false)", async () => {
    const dir = freshDir();
    const input = file("kong.yml");
    writeFileSync(input, declarativeFixture("kong-db-export.yml", pki));
    const run = succeeded(await tether(dataOf(dir), "db_import", input));
    assert.match(run.stdout, /import successful \(14 entities; ca_certificates: 1, certificates: 1, snis: 1, services: 2, routes: 2, consumers: 2, mtls_auth_credentials: 2, plugins: 3\)/);
    succeeded(await tether(dataOf(dir), "db_import", input)); // ids are in the file: a second import updates the same rows
    const t = await startTether({ prefix: dir });
    try {
      assert.deepEqual(ok(await adminJson(t, "GET", "/services/orders")), {
        id: "2c1b0a9f-8e7d-4c6b-a5f4-e3d2c1b0a904",
        created_at: 1716200004,
        updated_at: 1716200104,
        name: "orders",
        protocol: "https",
        host: "orders.internal",
        port: 8443,
        path: "/v1",
        retries: 5,
        connect_timeout: 60000,
        write_timeout: 60000,
        read_timeout: 60000,
        tags: ["team-orders"],
        client_certificate: null,
        tls_verify: true,
        tls_verify_depth: 2,
        ca_certificates: null,
        enabled: true,
      });
      assert.equal(ok(await adminJson(t, "GET", "/services")).data.length, 2);
      const route = ok(await adminJson(t, "GET", "/routes/orders-api"));
      assert.deepEqual([route.service, route.paths, route.headers, route.snis], [{ id: "2c1b0a9f-8e7d-4c6b-a5f4-e3d2c1b0a904" }, ["/orders", "~/orders/\\d+$"], { "x-region": ["eu", "us"] }, ["api.tether.test"]]);
      const oidc = ok(await adminJson(t, "GET", "/plugins/orders-oidc"));
      assert.deepEqual(
        [oidc.route, oidc.enabled, oidc.protocols, oidc.config.client_secret, oidc.config.session_secret, oidc.config.proof_of_possession_mtls, oidc.config.leeway, oidc.ordering.before],
        [{ id: "4e3d2c1b-0a9f-4e8d-87b6-a5f4e3d2c106" }, true, ["https"], [CLIENT_SECRET], SESSION_SECRET, "strict", 5, { access: ["tls-handshake-modifier"] }],
      );
      assert.equal(oidc.config.verify_signature, true, "fields the file leaves out get their defaults");
      const disabled = ok(await adminJson(t, "GET", "/plugins/2a1f0e9d-8c7b-4a6f-9e5d-4c3b2a1f0e14"));
      assert.equal(disabled.enabled, false);
      assert.deepEqual(ok(await adminJson(t, "GET", "/consumers/alice/mtls-auth")).data, [
        { id: "8c7b6a5f-4e3d-4c2b-9a1f-0e9d8c7b6a10", consumer: { id: "6a5f4e3d-2c1b-4a0f-a9d8-c7b6a5f4e308" }, created_at: 1716200010, subject_name: "alice@tether.test", ca_certificate: { id: "5a4d8f8e-1c3b-4b8e-9b8c-0c6a3d2f1e01" }, tags: null },
      ]);
      assert.equal(ok(await adminJson(t, "GET", "/consumers?custom_id=batch-7")).data[0].id, "7b6a5f4e-3d2c-4b1a-8f0e-d9c8b7a6f509");
      assert.equal(ok(await adminJson(t, "GET", "/snis/api.tether.test")).certificate.id, "7e0f3c2b-6a5d-4f1e-8b9a-1d2c3b4a5f02");
    } finally {
      await t.stop();
    }
  });

  test("a decK file (nested, names, no ids, `_workspace`, `_info`, `url`) imports, and again without duplicates", async () => {
    const dir = freshDir();
    const input = file("deck.yml");
    writeFileSync(input, declarativeFixture("deck-dump.yml", pki));
    const once = succeeded(await tether(dataOf(dir), "db_import", input));
    assert.equal(once.stderr, "", "`_workspace: default` is Tether's only workspace: nothing to warn about");
    const before = await exportText(dataOf(dir));
    succeeded(await tether(dataOf(dir), "db_import", input));
    // The file has no timestamps: a second import updates the same rows (same ids), bumping updated_at only.
    const withoutUpdatedAt = (text: string): string => text.replace(/updated_at: \d+/g, "updated_at: …");
    assert.equal(withoutUpdatedAt(await exportText(dataOf(dir))), withoutUpdatedAt(before));
    const t = await startTether({ prefix: dir });
    try {
      const svc = ok(await adminJson(t, "GET", "/services/orders"));
      assert.equal(svc.id, declarativeId("services", { name: "orders" }), "Kong's name-based id");
      assert.deepEqual([svc.protocol, svc.host, svc.port, svc.path, svc.tags], ["https", "orders.internal", 8443, "/v1", ["deck-managed"]]);
      const [oidc] = ok(await adminJson(t, "GET", "/routes/orders-api/plugins")).data;
      assert.equal(oidc.name, "openid-connect");
      assert.deepEqual(oidc.config.client_secret, [CLIENT_SECRET]);
      const creds = ok(await adminJson(t, "GET", "/consumers/alice/mtls-auth")).data as { subject_name: string; ca_certificate: unknown }[];
      assert.deepEqual(
        creds.map((c) => [c.subject_name, c.ca_certificate]).sort(),
        [["alice-alt@tether.test", null], ["alice@tether.test", { id: "5a4d8f8e-1c3b-4b8e-9b8c-0c6a3d2f1e01" }]],
      );
      assert.equal(ok(await adminJson(t, "GET", "/plugins")).data.length, 3);
    } finally {
      await t.stop();
    }
  });
});

describe("a bad file changes nothing", () => {
  const dir = freshDir();
  const good = {
    _format_version: "3.0",
    services: [{ name: "kept", host: "kept.internal", routes: [{ name: "kept-route", paths: ["/kept"] }] }],
  };

  before(async () => {
    const input = file("good.json");
    writeFileSync(input, JSON.stringify(good));
    succeeded(await tether(dataOf(dir), "db_import", input));
  });

  test("an error in the last entry rolls back the whole file, and is reported with Kong's path and message", async () => {
    const before = await exportText(dataOf(dir));
    const version = configVersion(dataOf(dir));
    const input = file("bad.yml");
    writeFileSync(
      input,
      [
        '_format_version: "3.0"',
        "services:",
        "- name: kept", // an update of the existing service, rolled back with the rest
        "  host: changed.internal",
        "- name: fresh",
        "  host: fresh.internal",
        "  routes:",
        "  - name: fresh-route",
        "    paths: [/fresh]",
        "consumers:",
        "- username: carol",
        "plugins:",
        "- name: tls-handshake-modifier",
        "  service: fresh",
        "- name: openid-connect",
        "  route: fresh-route",
        "  config:",
        `    issuer: ${ISSUER}`,
        "    proof_of_possession_mtls: strict",
        "",
      ].join("\n"),
    );
    const run = await tether(dataOf(dir), "db_import", input);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Error: Failed importing:\nin 'plugins':\n {2}- in entry 2 of 'plugins':\n {4}in 'config': mTLS-proof-of-possession or Demonstrating Proof-of-Possession \(DPoP\) only supports 'bearer', 'introspection', 'session' auth methods/m);
    assert.match(run.stderr, /nothing was imported/);
    assert.equal(await exportText(dataOf(dir)), before);
    assert.equal(configVersion(dataOf(dir)), version, "the proxy never sees a half-imported configuration");
  });

  test("structural errors are all reported at once (Kong's `Failed parsing`)", async () => {
    const input = file("structure.yml");
    writeFileSync(
      input,
      [
        "services:",
        "- name: dup",
        "  host: a.internal",
        "- name: dup",
        "  host: b.internal",
        "  routes:",
        "  - paths: [/x]",
        "    service: dup",
        "routes:",
        "- name: orphan",
        "  paths: [/o]",
        "  service: no-such-service",
        "workspaces:",
        "- name: w",
        "",
      ].join("\n"),
    );
    const run = await tether(dataOf(dir), "db_import", input);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.split("\nnothing was imported")[0],
      [
        "Error: Failed parsing:",
        "in '_format_version': required field missing",
        "in 'routes':",
        "  - in entry 1 of 'routes': invalid reference 'service: no-such-service' (no such entry in 'services')",
        "in 'services':",
        "  - in entry 2 of 'services':",
        "    in '@entity':",
        "      - in entry 1 of '@entity': uniqueness violation: 'services' entity with name set to 'dup' already declared",
        "    in 'routes':",
        "      - in entry 1 of 'routes':",
        "        in 'service': value must be null",
        "in 'workspaces': unknown field",
      ].join("\n"),
    );
  });

  test("`parse` checks a file against the store without writing it", async () => {
    const input = file("parse.json");
    writeFileSync(input, JSON.stringify({ _format_version: "3.0", consumers: [{ username: "dave" }] }));
    const version = configVersion(dataOf(dir));
    assert.equal(succeeded(await tether(dataOf(dir), "parse", input)).stdout, "parse successful\n");
    assert.equal(configVersion(dataOf(dir)), version);
  });

  test("usage, unreadable and malformed files, and an export that would overwrite", async () => {
    assert.equal((await tether(dataOf(dir))).code, 2);
    assert.equal((await tether(dataOf(dir), "db_import")).code, 2);
    const missing = await tether(dataOf(dir), "db_import", join(scratch, "does-not-exist.yml"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: cannot read .*does-not-exist\.yml/);
    const broken = file("broken.yml");
    writeFileSync(broken, "services: [unclosed\n");
    const parsed = await tether(dataOf(dir), "db_import", broken);
    assert.equal(parsed.code, 1);
    assert.match(parsed.stderr, /^Error: Failed parsing:\nfailed parsing declarative configuration: /);
    const existing = file("existing.yml");
    writeFileSync(existing, "keep me\n");
    const refused = await tether(dataOf(dir), "db_export", existing);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already exists\. Will not overwrite it\./);
    assert.equal(readFileSync(existing, "utf8"), "keep me\n");
  });
});

test("an import into a running Tether reaches its Admin API and its proxy", async () => {
  const t = await startTether();
  try {
    const probe = async (): Promise<number> => (await fetch(`http://127.0.0.1:${t.httpPort}/imported`)).status;
    assert.equal(await probe(), 404);
    assert.deepEqual(ok(await adminJson(t, "GET", "/services/imported"), 404), NOT_FOUND);
    const input = file("live.yml");
    writeFileSync(input, ['_format_version: "3.0"', "services:", "- name: imported", "  url: http://127.0.0.1:9", "  routes:", "  - name: imported", "    paths: [/imported]", ""].join("\n"));
    succeeded(await tether(dataOf(t.prefix), "db_import", input));
    assert.equal(ok(await adminJson(t, "GET", "/services/imported")).host, "127.0.0.1");
    // Routed now: the upstream (discard port) refuses, so the proxy answers 502 instead of "no Route matched".
    await waitFor(async () => (await probe()) !== 404);
    assert.equal(await probe(), 502);
  } finally {
    await t.stop();
  }
});
