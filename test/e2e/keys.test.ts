// Kong's keys and key sets (issue 13, docs/keys.md): the Admin API as Kong 3.x answers it, driven
// with curl and httpie against the real `tether start` process; keys made with openssl and
// node:crypto; the declarative round trip with the real CLI. Then Tether's `client_key_set`: the
// gateway's private_key_jwt assertion to the real IdP (oidc-provider) signed with a set's key.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { importJWK, jwtVerify, type JWK } from "jose";
import { GATEWAY_CLIENTS, OPAQUE_RESOURCE } from "../fixtures/idp/index.ts";
import { gatewayCredentials, publicJwk } from "../fixtures/pki/gateway.ts";
import { assertExportRoundTrips, runTether } from "../helpers/cli.ts";
import { curl, httpie, HTTPIE_SKIP, tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

const scratch = mkdtempSync(join(tmpdir(), "tether-keys-"));

/** An RSA key pair made by openssl, as an operator would make one. */
function opensslRsa(): { private_key: string; public_key: string } {
  const path = join(scratch, `rsa-${Math.random().toString(36).slice(2)}.pem`);
  execFileSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path], { stdio: "ignore" });
  const public_key = execFileSync("openssl", ["pkey", "-in", path, "-pubout"], { encoding: "utf8" });
  return { private_key: readFileSync(path, "utf8"), public_key };
}

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwkOf = (kid: string): string => JSON.stringify({ ...ec.privateKey.export({ format: "jwk" }), kid, alg: "ES256" });
/** A line from inside a PEM body: in any JSON or log line that carried the key. */
const bodyLine = (pem: string): string => pem.split("\n").filter((line) => line && !line.startsWith("-----"))[2]!;

describe("keys and key sets: Admin API", () => {
  let tether: Tether;
  const rsa = opensslRsa();
  let setId: string;

  before(async () => {
    tether = await startTether({ env: { TETHER_TEST_KEY_PEM: rsa.private_key } });
  });
  after(async () => {
    await tether.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("creates a key set and keys as JWK and as PEM, in the set and in none (curl)", async () => {
    const set = await curl("-X", "POST", `${tether.admin}/key-sets`, "-H", "content-type: application/json", "-d", JSON.stringify({ name: "signing", tags: ["ks"] }));
    assert.equal(set.status, 201, set.raw);
    setId = set.body.id;
    assert.deepEqual(Object.keys(set.body).sort(), ["created_at", "id", "name", "tags", "updated_at"]);

    const jwk = await curl(
      "-X", "POST", `${tether.admin}/keys`, "-H", "content-type: application/json",
      "-d", JSON.stringify({ name: "jwk-key", kid: "ec-1", jwk: jwkOf("ec-1"), set: { id: setId }, tags: ["k", "jwk"] }),
    );
    assert.equal(jwk.status, 201, jwk.raw);
    assert.deepEqual(Object.keys(jwk.body).sort(), ["created_at", "id", "jwk", "kid", "name", "pem", "set", "tags", "updated_at"]);
    assert.deepEqual(jwk.body.set, { id: setId });
    assert.equal(jwk.body.pem, null);
    // Kong returns the JWK as stored, private members included (kong/db/dao/keys.lua has no redaction).
    assert.equal(JSON.parse(jwk.body.jwk).d, ec.privateKey.export({ format: "jwk" }).d);

    const pem = await adminJson(tether, "POST", "/key-sets/signing/keys", { name: "pem-key", kid: "rsa-1", pem: rsa, tags: ["k"] });
    assert.equal(pem.status, 201, JSON.stringify(pem.body));
    assert.deepEqual(pem.body.set, { id: setId });
    assert.deepEqual(pem.body.pem, rsa);

    const loose = await adminJson(tether, "POST", "/keys", { name: "public-only", kid: "rsa-1", pem: { public_key: rsa.public_key } });
    assert.equal(loose.status, 201, JSON.stringify(loose.body));
    assert.deepEqual(loose.body.pem, { private_key: null, public_key: rsa.public_key });
    assert.equal(loose.body.set, null);
  });

  it("answers Kong's 400s for the entity checks", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }) as string;
    const cases: [Record<string, unknown>, string, unknown][] = [
      [{ kid: "x", jwk: jwkOf("x"), pem: rsa }, "schema violation (only one or none of these fields must be set: 'jwk', 'pem')", { "@entity": ["only one or none of these fields must be set: 'jwk', 'pem'"] }],
      [{ kid: "x" }, "schema violation (at least one of these fields must be non-empty: 'jwk', 'pem')", { "@entity": ["at least one of these fields must be non-empty: 'jwk', 'pem'"] }],
      [{ kid: "x", jwk: jwkOf("y") }, "schema violation (kid in jwk.kid must be equal to keys.kid)", { "@entity": ["kid in jwk.kid must be equal to keys.kid"] }],
      [{ kid: "x", jwk: "{oops" }, "schema violation (could not json decode jwk string)", { "@entity": ["could not json decode jwk string"] }],
      // Kong's own spec (spec/02-integration/04-admin_api/21-admin-api-keys_spec.lua)
      [{ kid: "36", jwk: '{"kid": "36"}' }, "schema violation (could not load JWK, likely not a valid key)", { "@entity": ["could not load JWK, likely not a valid key"] }],
      [{ kid: "x", pem: { public_key: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n" } }, "schema violation (pem: could not load public key)", { pem: "could not load public key" }],
      [{ kid: "x", pem: { private_key: rsa.private_key, public_key: other } }, "schema violation (pem: public key does not match private key)", { pem: "public key does not match private key" }],
      [{ kid: "x", pem: {} }, "schema violation (pem: at least one of these fields must be non-empty: 'private_key', 'public_key')", { pem: { "@entity": ["at least one of these fields must be non-empty: 'private_key', 'public_key'"] } }],
      [{ jwk: jwkOf("x") }, "schema violation (kid: required field missing)", { kid: "required field missing" }],
    ];
    for (const [body, message, fields] of cases) {
      const res = await adminJson(tether, "POST", "/keys", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.body, { code: 2, name: "schema violation", message, fields });
    }
    const badPrivate = await adminJson(tether, "POST", "/keys", { kid: "x", pem: { private_key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n" } });
    assert.equal(badPrivate.status, 400);
    assert.match(badPrivate.body.fields.pem, /^could not load private key/);
    // No error message quotes the key material.
    const mismatch = await adminJson(tether, "POST", "/keys", { kid: "x", pem: { private_key: rsa.private_key, public_key: other } });
    assert.ok(!JSON.stringify(mismatch.body).includes(bodyLine(rsa.private_key)));
  });

  it("answers Kong's foreign key and unique violations", async () => {
    const missing = "0b0e3e3c-6a4c-4c8e-8d3a-7d1f2c3b4a59";
    const unknownSet = await adminJson(tether, "POST", "/keys", { kid: "x", jwk: jwkOf("x"), set: { id: missing } });
    assert.equal(unknownSet.status, 400);
    assert.deepEqual(unknownSet.body, {
      code: 4,
      name: "foreign key violation",
      message: `the foreign key '{id="${missing}"}' does not reference an existing 'key_sets' entity.`,
      fields: { set: { id: missing } },
    });
    const underMissing = await adminJson(tether, "POST", "/key-sets/nope/keys", { kid: "x", jwk: jwkOf("x") });
    assert.equal(underMissing.status, 404);

    const dupName = await adminJson(tether, "POST", "/keys", { name: "jwk-key", kid: "other", jwk: jwkOf("other") });
    assert.equal(dupName.status, 409);
    assert.deepEqual(dupName.body, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{name="jwk-key"}'`,
      fields: { name: "jwk-key" },
    });
    // Name and (kid, set) both taken: Kong names the name, its first unique constraint (017_300_to_310.lua).
    const dupBoth = await adminJson(tether, "POST", "/keys", { name: "jwk-key", kid: "ec-1", jwk: jwkOf("ec-1"), set: { id: setId } });
    assert.equal(dupBoth.status, 409);
    assert.equal(dupBoth.body.message, `UNIQUE violation detected on '{name="jwk-key"}'`);
    const dupSet = await adminJson(tether, "POST", "/key-sets", { name: "signing" });
    assert.equal(dupSet.status, 409);
    assert.equal(dupSet.body.message, `UNIQUE violation detected on '{name="signing"}'`);
    // A kid is unique within its set (Kong's cache key: kid, set); another set may reuse it.
    const dupKid = await adminJson(tether, "POST", "/key-sets/signing/keys", { kid: "ec-1", jwk: jwkOf("ec-1") });
    assert.equal(dupKid.status, 409, JSON.stringify(dupKid.body));
    assert.equal(dupKid.body.code, 5);
    const elsewhere = await adminJson(tether, "POST", "/keys", { kid: "ec-1", jwk: jwkOf("ec-1") });
    assert.equal(elsewhere.status, 201, JSON.stringify(elsewhere.body));
    assert.equal((await adminJson(tether, "DELETE", `/keys/${elsewhere.body.id}`)).status, 204);
  });

  it("lists, pages and filters by tags as Kong does; the nested list holds the set's keys", async () => {
    const all = await adminJson(tether, "GET", "/keys");
    assert.equal(all.status, 200);
    assert.deepEqual(Object.keys(all.body).sort(), ["data", "next"]);
    assert.equal(all.body.data.length, 3);
    assert.equal(all.body.next, null);

    const first = await adminJson(tether, "GET", "/keys?size=2");
    assert.equal(first.body.data.length, 2);
    assert.match(first.body.next, /^\/keys\?offset=[^&]+&size=2$/);
    const second = await adminJson(tether, "GET", first.body.next);
    assert.equal(second.body.data.length, 1);
    assert.equal(second.body.next, null);
    const ids = new Set([...first.body.data, ...second.body.data].map((k: { id: string }) => k.id));
    assert.equal(ids.size, 3);

    const tagged = await adminJson(tether, "GET", "/keys?tags=k,jwk");
    assert.deepEqual(tagged.body.data.map((k: { name: string }) => k.name), ["jwk-key"]);
    const either = await adminJson(tether, "GET", "/keys?tags=k/jwk");
    assert.deepEqual(either.body.data.map((k: { name: string }) => k.name).sort(), ["jwk-key", "pem-key"]);
    const sets = await adminJson(tether, "GET", "/key-sets?tags=ks");
    assert.deepEqual(sets.body.data.map((s: { name: string }) => s.name), ["signing"]);

    for (const path of [`/key-sets/${setId}/keys`, "/key-sets/signing/keys"]) {
      const nested = await adminJson(tether, "GET", path);
      assert.equal(nested.status, 200);
      assert.deepEqual(nested.body.data.map((k: { name: string }) => k.name).sort(), ["jwk-key", "pem-key"]);
      assert.equal(nested.body.next, null);
    }
    const byName = await adminJson(tether, "GET", "/keys/pem-key");
    assert.equal(byName.body.kid, "rsa-1");
    const setOfKey = await adminJson(tether, "GET", "/keys/pem-key/set");
    assert.equal(setOfKey.body.name, "signing");
    assert.equal((await adminJson(tether, "GET", `/key-sets/signing/keys/public-only`)).status, 404);
  });

  it("updates by name and id; the checks run on the merged key", async () => {
    const renamed = await adminJson(tether, "PATCH", "/key-sets/signing", { name: "signing-2" });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, "signing-2");
    const patched = await adminJson(tether, "PATCH", "/keys/pem-key", { kid: "rsa-2" });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.kid, "rsa-2");
    const bad = await adminJson(tether, "PATCH", "/keys/jwk-key", { kid: "changed" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, "schema violation (kid in jwk.kid must be equal to keys.kid)");
    const put = await adminJson(tether, "PUT", "/keys/put-key", { kid: "p", pem: { public_key: rsa.public_key } });
    assert.equal(put.status, 200);
    assert.equal(put.body.name, "put-key");
    assert.equal((await adminJson(tether, "DELETE", "/keys/put-key")).status, 204);
  });

  it("keeps a vault reference in a private key as the reference", async () => {
    const ref = "{vault://env/TETHER_TEST_KEY_PEM}";
    const res = await adminJson(tether, "POST", "/keys", { name: "by-ref", kid: "ref", pem: { private_key: ref, public_key: rsa.public_key } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.pem.private_key, ref);
    assert.equal((await adminJson(tether, "GET", "/keys/by-ref")).body.pem.private_key, ref);
    const jwkRef = await adminJson(tether, "POST", "/keys", { name: "jwk-ref", kid: "ref-2", jwk: "{vault://env/TETHER_TEST_KEY_JWK}" });
    assert.equal(jwkRef.status, 201, JSON.stringify(jwkRef.body));
    const badRef = await adminJson(tether, "POST", "/keys", { kid: "bad-ref", jwk: "{vault://}" });
    assert.equal(badRef.status, 400);
    assert.equal((await adminJson(tether, "DELETE", "/keys/jwk-ref")).status, 204);
  });

  it("serves Kong's schemas for keys and key_sets", async () => {
    const keys = await adminJson(tether, "GET", "/schemas/keys");
    assert.equal(keys.status, 200);
    const field = (name: string) => keys.body.fields.find((f: Record<string, unknown>) => Object.keys(f)[0] === name)?.[name];
    assert.deepEqual(field("set"), { type: "foreign", reference: "key_sets", on_delete: "cascade" });
    assert.equal(field("kid").required, true);
    assert.equal(field("jwk").referenceable, true);
    assert.equal(field("jwk").encrypted, true);
    assert.equal(field("pem").type, "record");
    assert.deepEqual(keys.body.entity_checks.slice(0, 2), [{ mutually_exclusive: ["jwk", "pem"] }, { at_least_one_of: ["jwk", "pem"] }]);
    const sets = await adminJson(tether, "GET", "/schemas/key_sets");
    assert.equal(sets.status, 200);
    const validated = await adminJson(tether, "POST", "/schemas/keys/validate", { kid: "x" });
    assert.equal(validated.status, 400);
  });

  it("takes httpie's JSON like any client", { skip: HTTPIE_SKIP }, async () => {
    const res = await httpie("POST", `${tether.admin}/key-sets`, "name=httpie-set", "tags:=[\"h\"]");
    assert.equal(res.status, 201, res.raw);
    const key = await httpie("POST", `${tether.admin}/key-sets/httpie-set/keys`, "kid=h1", `pem[public_key]=${rsa.public_key}`);
    assert.equal(key.status, 201, key.raw);
    assert.deepEqual(key.body.set, { id: res.body.id });
    assert.equal((await httpie("DELETE", `${tether.admin}/key-sets/httpie-set`)).status, 204);
    assert.equal((await adminJson(tether, "GET", `/keys/${key.body.id}`)).status, 404);
  });

  // The export is read from the node's own database (SQLite, or its PostgreSQL); the round trip goes through a fresh SQLite.
  it("db_export writes keys nested in their set; db_import restores them to the same bytes", async () => {
    const out = join(scratch, "export.yml");
    const data = join(tether.prefix, "data");
    const run = await runTether(["config", "db_export", out], { TETHER_PREFIX: data, ...tether.databaseEnv });
    assert.equal(run.code, 0, run.stderr);
    const exported = readFileSync(out, "utf8");
    assert.match(exported, /key_sets:\n {2}- created_at: \d+\n {4}id: [0-9a-f-]+\n {4}keys:\n/);
    assert.ok(exported.includes("{vault://env/TETHER_TEST_KEY_PEM}"));
    await assertExportRoundTrips(out, exported, scratch);
  });

  it("deleting a key set deletes its keys (Kong's on_delete cascade), not the others", async () => {
    const before = (await adminJson(tether, "GET", "/keys")).body.data.map((k: { name: string }) => k.name).sort();
    assert.deepEqual(before, ["by-ref", "jwk-key", "pem-key", "public-only"]);
    assert.equal((await adminJson(tether, "DELETE", "/key-sets/signing-2")).status, 204);
    const left = (await adminJson(tether, "GET", "/keys")).body.data.map((k: { name: string }) => k.name).sort();
    assert.deepEqual(left, ["by-ref", "public-only"]);
    assert.deepEqual((await adminJson(tether, "GET", "/key-sets")).body, { data: [], next: null });
  });

  it("never logs key material", () => {
    const logged = JSON.stringify(tether.logs) + tether.stderr.join("\n");
    assert.ok(!logged.includes(bodyLine(rsa.private_key)));
    assert.ok(!logged.includes(String(ec.privateKey.export({ format: "jwk" }).d)));
  });
});

describe("client_key_set: private_key_jwt to the IdP signed with a key set's key (Tether's extension)", () => {
  let s: Scenario;
  // A key only Tether's environment holds: the key set names it by vault reference.
  const envKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const envPem = envKey.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const introspecting = (keySet: string) => ({
    auth_methods: ["introspection"],
    client_id: [GATEWAY_CLIENTS.privateKeyJwt],
    introspection_endpoint_auth_method: "private_key_jwt",
    client_key_set: keySet,
    cache_introspection: false,
  });
  const call = async (path: string) => {
    const before = s.echo.requests.length;
    const token = await s.token({ bound: false, resource: OPAQUE_RESOURCE });
    const res = await tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${token}` } });
    return { ...res, upstream: s.echo.requests.length - before };
  };
  const lastAssertion = (): string => s.idp.forms.at(-1)!.get("client_assertion")!;

  before(async () => {
    s = await startScenario({ env: { TETHER_TEST_KEYSET_PEM: envPem } });
    const gateway = gatewayCredentials(s.pki);
    const post = async (path: string, body: unknown) => {
      const res = await adminJson(s.tether, "POST", path, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    await post("/key-sets", { name: "gateway-keys" });
    // Public material only: passed over for signing.
    await post("/key-sets/gateway-keys/keys", { kid: "public-only", pem: { public_key: envKey.publicKey.export({ type: "spki", format: "pem" }) } });
    await post("/key-sets/gateway-keys/keys", { kid: gateway.jwk.kid, jwk: JSON.stringify(gateway.jwk) });
    await post("/key-sets", { name: "env-keys" });
    await post("/key-sets/env-keys/keys", { kid: "env-1", pem: { private_key: "{vault://env/TETHER_TEST_KEYSET_PEM}" } });
    await s.protect("/by-key-set", introspecting("gateway-keys"));
    await s.protect("/by-env-key", introspecting("env-keys"));
    await s.protect("/no-such-set", introspecting("missing-keys"));
    await untilRouted(s.tether, "/no-such-set");
  });
  after(() => s.stop());

  it("the IdP receives an assertion signed with the set's private key, its kid in the header → 200", async () => {
    const res = await call("/by-key-set");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.upstream, 1);
    const gateway = gatewayCredentials(s.pki);
    const key = await importJWK(publicJwk(gateway.jwk) as JWK, "RS256");
    const { protectedHeader } = await jwtVerify(lastAssertion(), key, { issuer: GATEWAY_CLIENTS.privateKeyJwt, subject: GATEWAY_CLIENTS.privateKeyJwt });
    assert.deepEqual([protectedHeader.alg, protectedHeader.kid], ["RS256", gateway.jwk.kid]);
  });

  it("a private key held by vault reference is resolved into the snapshot and signs (the IdP knows it not → 401)", async () => {
    const res = await call("/by-env-key");
    assert.equal(res.status, 401);
    assert.equal(res.upstream, 0);
    const { protectedHeader } = await jwtVerify(lastAssertion(), envKey.publicKey, { issuer: GATEWAY_CLIENTS.privateKeyJwt });
    assert.equal(protectedHeader.kid, "env-1");
    const stored = await adminJson(s.tether, "GET", "/key-sets/env-keys/keys");
    assert.equal(stored.body.data[0].pem.private_key, "{vault://env/TETHER_TEST_KEYSET_PEM}");
  });

  it("a client_key_set that names no key set → 500, the set named in the error log, nothing upstream", async () => {
    const res = await call("/no-such-set");
    assert.equal(res.status, 500);
    assert.equal(res.upstream, 0);
    await waitFor(async () => s.tether.logs.some((l) => l.level === "error" && String(l["reason"]).includes("missing-keys")), 2_000);
  });

  it("no log line carries a private key", () => {
    const logged = JSON.stringify(s.tether.logs) + s.tether.stderr.join("\n");
    assert.ok(!logged.includes(bodyLine(envPem)));
    assert.ok(!logged.includes(String(gatewayCredentials(s.pki).jwk.d)));
  });
});
