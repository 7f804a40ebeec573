// Vault references (docs/vaults.md): openid-connect's client_secret as `{vault://env/…}` and
// through a `/vaults` entity's prefix, resolved from Tether's environment when the configuration
// loads, used against the real IdP (introspection authenticates with it), and a server
// certificate whose PEMs are references; the Admin API, db_export, the logs and the files under
// the prefix only ever hold the references.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { CLIENTS, OPAQUE_RESOURCE } from "../fixtures/idp/index.ts";
import { assertExportRoundTrips, runTether } from "../helpers/cli.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

const SECRET = CLIENTS.gateway.clientSecret;
const BY_ENV = "{vault://env/TETHER_TEST_OIDC_SECRET}";
const BY_VAULT = "{vault://test-env/oidc-secret}"; // the vault's config.prefix TETHER_TEST_ + OIDC_SECRET
const MISSING = "{vault://env/TETHER_TEST_NOT_SET}";
const CHALLENGE = 'Bearer realm="localhost", error="invalid_token"';
const SNI = "vault.tether.test";

/** The SHA-256 fingerprint of the certificate the proxy serves under `servername`. */
function servedFingerprint(port: number, servername: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("vault references", () => {
  let s: Scenario;
  // A second PKI: its server certificate and key reach Tether only through its environment.
  let tlsPki: TestPki;
  const scratch = mkdtempSync(join(tmpdir(), "tether-vault-refs-"));
  const plugins: Record<string, string> = {};
  const introspected = (path: string, token: string) =>
    tlsRequest({ port: s.tether.httpsPort, path, cert: s.pki.clients.alice, headers: { authorization: `Bearer ${token}` } });
  const opaque = () => s.token({ cert: s.pki.clients.alice, resource: OPAQUE_RESOURCE });
  const withSecret = (clientSecret: string) => ({
    auth_methods: ["introspection"],
    client_id: [CLIENTS.gateway.clientId],
    client_secret: [clientSecret],
    cache_introspection: false,
  });

  before(async () => {
    tlsPki = createPki();
    s = await startScenario({
      env: { TETHER_TEST_OIDC_SECRET: SECRET, TETHER_TEST_TLS_CERT: tlsPki.server.cert, TETHER_TEST_TLS_KEY: tlsPki.server.key },
    });
    const vault = await adminJson(s.tether, "POST", "/vaults", { prefix: "test-env", name: "env", config: { prefix: "TETHER_TEST_" } });
    assert.equal(vault.status, 201, JSON.stringify(vault.body));
    plugins["env"] = (await s.protect("/by-env", withSecret(BY_ENV))).pluginId;
    plugins["vault"] = (await s.protect("/by-vault", withSecret(BY_VAULT))).pluginId;
    plugins["missing"] = (await s.protect("/missing", withSecret(MISSING))).pluginId;
    await untilRouted(s.tether, "/missing");
  });
  after(async () => {
    await s.stop();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(tlsPki.dir, { recursive: true, force: true });
  });

  it("client_secret from {vault://env/NAME}: introspection authenticates to the IdP → 200", async () => {
    const res = await introspected("/by-env", await opaque());
    assert.equal(res.status, 200, res.text);
  });

  it("client_secret through a /vaults entity (its config.prefix prepended, upper-cased) → 200", async () => {
    const res = await introspected("/by-vault", await opaque());
    assert.equal(res.status, 200, res.text);
  });

  it("a missing variable: one log line naming reference, plugin and field; requests answer as with a wrong secret", async () => {
    await waitFor(async () => s.tether.logs.some((l) => l.msg === "unable to resolve vault reference" && l["plugin_id"] === plugins["missing"]), 5_000);
    const line = s.tether.logs.find((l) => l.msg === "unable to resolve vault reference" && l["plugin_id"] === plugins["missing"])!;
    assert.equal(line.level, "error");
    assert.equal(line["reference"], MISSING);
    assert.equal(line["plugin"], "openid-connect");
    assert.equal(line["field"], "config.client_secret[0]");
    assert.equal(line["error"], "no value found");
    const res = await introspected("/missing", await opaque());
    assert.equal(res.status, 401, "the plugin's answer when the IdP refuses its client, not a 500");
    assert.equal(res.headers["www-authenticate"], CHALLENGE);
  });

  it("a certificate whose cert and key are references is served under its SNI; the API keeps the references", async () => {
    const refs = { cert: "{vault://env/TETHER_TEST_TLS_CERT}", key: "{vault://test-env/tls-key}" };
    const created = await adminJson(s.tether, "POST", "/certificates", { ...refs, snis: [SNI] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.cert, refs.cert);
    assert.equal(created.body.key, refs.key);
    const expected = new X509Certificate(tlsPki.server.cert).fingerprint256;
    await waitFor(async () => (await servedFingerprint(s.tether.httpsPort, SNI)) === expected, 5_000);
    const read = await adminJson(s.tether, "GET", `/certificates/${created.body.id}`);
    assert.deepEqual([read.body.cert, read.body.key], [refs.cert, refs.key]);
  });

  it("the Admin API returns the reference, never the value", async () => {
    for (const [id, reference] of [[plugins["env"], BY_ENV], [plugins["vault"], BY_VAULT]] as const) {
      const plugin = await adminJson(s.tether, "GET", `/plugins/${id}`);
      assert.deepEqual(plugin.body.config.client_secret, [reference]);
    }
    const vault = await adminJson(s.tether, "GET", "/vaults/test-env");
    assert.equal(vault.status, 200);
    assert.deepEqual(vault.body.config, { prefix: "TETHER_TEST_" });
    const list = await adminJson(s.tether, "GET", "/vaults");
    assert.deepEqual(list.body.data.map((v: { prefix: string }) => v.prefix), ["test-env"]);
  });

  it("Kong's validation: a malformed reference, an unknown vault type, a reserved prefix, a reference where none is allowed", async () => {
    const malformed = await adminJson(s.tether, "POST", "/plugins", {
      name: "openid-connect",
      config: { issuer: s.idp.issuer, client_secret: ["{vault://env}"] },
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body.fields.config.client_secret, ["reference url is missing path [{vault://env}]"]);
    const hcv = await adminJson(s.tether, "POST", "/vaults", { prefix: "my-hcv", name: "hcv" });
    assert.equal(hcv.status, 400);
    assert.equal(hcv.body.fields.name, "vault 'hcv' is not installed");
    const reserved = await adminJson(s.tether, "POST", "/vaults", { prefix: "env", name: "env" });
    assert.equal(reserved.body.fields.prefix, "must not be one of: env");
    const taken = await adminJson(s.tether, "POST", "/vaults", { prefix: "test-env", name: "env" });
    assert.equal(taken.status, 409);
    assert.deepEqual(taken.body.fields, { prefix: "test-env" });
    const badPrefix = await adminJson(s.tether, "POST", "/vaults", { prefix: "Bad_Prefix", name: "env" });
    assert.equal(badPrefix.body.fields.prefix, "invalid value: Bad_Prefix");
    // Not referenceable in Kong: the reference is a plain string and must pass the field's own check.
    const elsewhere = await adminJson(s.tether, "POST", "/plugins", {
      name: "openid-connect",
      config: { issuer: s.idp.issuer, introspection_endpoint_auth_method: "{vault://env/TETHER_TEST_OIDC_SECRET}" },
    });
    assert.equal(elsewhere.status, 400);
    assert.match(JSON.stringify(elsewhere.body.fields.config.introspection_endpoint_auth_method), /expected one of/);
  });

  it("db_export writes the references and the vault; no log line and no file under the prefix holds the value", async () => {
    const out = join(scratch, "export.yml");
    const run = await runTether(["config", "db_export", out], { TETHER_PREFIX: join(s.tether.prefix, "data") });
    assert.equal(run.code, 0, run.stderr);
    const exported = readFileSync(out, "utf8");
    for (const reference of [BY_ENV, BY_VAULT, MISSING, "{vault://test-env/tls-key}"])
      assert.ok(exported.includes(reference), `${reference} in the export`);
    assert.match(exported, /vaults:/);
    // The key's second base64 line: past the DER header every P-256 key shares, and whole in any
    // PEM, JSON or YAML a writer would make of it.
    const keyBody = tlsPki.server.key.split("\n").filter((line) => line && !line.startsWith("-----"))[1]!;
    for (const secret of [SECRET, keyBody]) {
      assert.ok(!exported.includes(secret), "export");
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "db_export output");
      assert.ok(!JSON.stringify(s.tether.logs).includes(secret), "stdout log lines");
      assert.ok(!s.tether.stderr.join("\n").includes(secret), "stderr");
      const leaking = filesUnder(s.tether.prefix).filter((path) => readFileSync(path).includes(secret));
      assert.deepEqual(leaking, []);
    }
    // The export imports into a fresh node (vaults first) and exports again to the same bytes.
    await assertExportRoundTrips(out, exported, scratch);
  });
});

describe("vault_env_prefix (Kong's node property): the env vault's prefix for {vault://env/...}", () => {
  let tether: Tether;
  let pki: TestPki;
  before(async () => {
    pki = createPki();
    tether = await startTether({
      env: { TETHER_VAULT_ENV_PREFIX: "TETHER_PFX_", TETHER_PFX_TLS_CERT: pki.server.cert, TETHER_PFX_TLS_KEY: pki.server.key },
    });
  });
  after(async () => {
    await tether.stop();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it("{vault://env/tls-cert} reads TETHER_PFX_TLS_CERT: the certificate is served; without the prefix nothing resolves", async () => {
    const created = await adminJson(tether, "POST", "/certificates", { cert: "{vault://env/tls-cert}", key: "{vault://env/tls-key}", snis: ["pfx.tether.test"] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const expected = new X509Certificate(pki.server.cert).fingerprint256;
    await waitFor(async () => (await servedFingerprint(tether.httpsPort, "pfx.tether.test")) === expected, 5_000);
    // The full name is prefixed too: TETHER_PFX_TETHER_PFX_TLS_CERT does not exist.
    await adminJson(tether, "POST", "/certificates", { cert: "{vault://env/TETHER_PFX_TLS_CERT}", key: "{vault://env/tls-key}", snis: ["whole.tether.test"] });
    await waitFor(async () => tether.logs.some((l) => l.msg === "unable to resolve vault reference" && l["reference"] === "{vault://env/TETHER_PFX_TLS_CERT}"), 5_000);
    assert.notEqual(await servedFingerprint(tether.httpsPort, "whole.tether.test"), expected);
  });
});
