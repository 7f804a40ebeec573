// Consumers and mtls-auth's manual mappings (`mtls_auth_credentials`) through the Admin API, as
// Kong 3.x serves them (reference 1.7.3, 1.10, 4.6): unique username/custom_id, PUT by username,
// the at-least-one rule, `?custom_id=` search, the consumer's plugin collection, and the
// credential endpoints under a consumer and at /mtls-auths, with cascade on consumer delete.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { curl } from "../helpers/clients.ts";
import { adminJson, adminRequest, startTether, type AdminResponse, type Tether } from "../helpers/tether.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_FOUND = { message: "Not found" };
const AT_LEAST_ONE = "at least one of these fields must be non-empty: 'custom_id', 'username'";
const atLeastOne = { code: 2, name: "schema violation", message: `schema violation (${AT_LEAST_ONE})`, fields: { "@entity": [AT_LEAST_ONE] } };

let t: Tether;
let pki: TestPki;

function check(res: AdminResponse | { status: number; body: unknown }, status: number, body?: unknown): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (body !== undefined) assert.deepEqual(res.body, body);
  return res.body;
}
const api = (method: string, path: string, body?: unknown) => adminJson(t, method, path, body);
const form = (method: string, path: string, pairs: Record<string, string>) =>
  adminRequest(t, method, path, new URLSearchParams(pairs).toString(), "application/x-www-form-urlencoded");
const recent = (ts: unknown): boolean => Number.isInteger(ts) && Math.abs((ts as number) - Date.now() / 1000) < 600;

before(async () => {
  pki = createPki();
  t = await startTether();
});
after(async () => {
  await t?.stop();
  rmSync(pki.dir, { recursive: true, force: true });
});

describe("consumers", () => {
  test("POST answers the full entity; username and custom_id are each unique (409)", async () => {
    const bob = check(await api("POST", "/consumers", { username: "bob", custom_id: "B-1" }), 201);
    const { id, created_at, updated_at, ...rest } = bob;
    assert.match(id, UUID);
    assert.ok(recent(created_at) && updated_at === created_at);
    assert.deepEqual(rest, { username: "bob", custom_id: "B-1", tags: null });
    check(await api("POST", "/consumers", { username: "bob" }), 409, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{username="bob"}'`,
      fields: { username: "bob" },
    });
    check(await api("POST", "/consumers", { username: "bobby", custom_id: "B-1" }), 409, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{custom_id="B-1"}'`,
      fields: { custom_id: "B-1" },
    });
    check(await api("POST", "/consumers", { username: "carl" }), 201);
    check(await api("PATCH", "/consumers/carl", { custom_id: "B-1" }), 409);
    check(await api("PUT", "/consumers/carl", { custom_id: "B-1" }), 409);
  });

  test("PUT /consumers/{username} creates {username} (200), then replaces it; the URL's username wins", async () => {
    const john = check(await adminRequest(t, "PUT", "/consumers/john"), 200);
    assert.deepEqual([john.username, john.custom_id, john.tags], ["john", null, null]);
    const again = check(await api("PUT", "/consumers/john", { custom_id: "J-1", username: "someone-else", tags: ["vip"] }), 200);
    assert.deepEqual([again.id, again.username, again.custom_id, again.tags, again.created_at], [john.id, "john", "J-1", ["vip"], john.created_at]);
    const replaced = check(await api("PUT", "/consumers/john", {}), 200);
    assert.deepEqual([replaced.custom_id, replaced.tags], [null, null], "PUT replaces: fields not sent go back to their defaults");
  });

  test("at least one of username and custom_id, on every write", async () => {
    check(await api("POST", "/consumers", {}), 400, atLeastOne);
    check(await api("POST", "/consumers", { username: null, custom_id: null }), 400, atLeastOne);
    check(await api("PUT", "/consumers/6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", {}), 400, atLeastOne);
    check(await api("POST", "/consumers", { username: "dana" }), 201);
    check(await api("PATCH", "/consumers/dana", { username: null }), 400, atLeastOne);
    check(await api("PATCH", "/consumers/dana", { custom_id: "D-1", username: null }), 200);
    check(await api("GET", "/consumers?custom_id=D-1"), 200);
  });

  test("form bodies work as with `curl --data` (Kong's guides)", async () => {
    const res = await curl("-X", "POST", `${t.admin}/consumers`, "--data", "username=erin", "--data", "custom_id=E-1", "--data", "tags=partner");
    const erin = check(res, 201);
    assert.deepEqual([erin.username, erin.custom_id, erin.tags], ["erin", "E-1", ["partner"]]);
  });

  test("GET /consumers?custom_id= finds one consumer, as a one-page list", async () => {
    const frank = check(await api("POST", "/consumers", { username: "frank", custom_id: "F 1/x" }), 201);
    check(await api("GET", `/consumers?custom_id=${encodeURIComponent("F 1/x")}`), 200, { data: [frank], next: null });
    check(await api("GET", "/consumers?custom_id=nobody"), 200, { data: [], next: null });
    const all = check(await api("GET", "/consumers"), 200);
    assert.ok(all.data.length > 1, "without custom_id it is the whole collection");
  });

  test("/consumers/{consumer}/plugins: the consumer's plugins; auth plugins cannot be consumer-scoped", async () => {
    check(await api("POST", "/consumers", { username: "gina" }), 201);
    check(await api("GET", "/consumers/gina/plugins"), 200, { data: [], next: null });
    check(await api("GET", "/consumers/nobody/plugins"), 404, NOT_FOUND);
    check(await api("POST", "/consumers/nobody/plugins", { name: "tls-handshake-modifier" }), 404, NOT_FOUND);
    check(await form("POST", "/consumers/gina/plugins", { name: "tls-handshake-modifier" }), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (consumer: value must be null)",
      fields: { consumer: "value must be null" },
    });
    check(await api("GET", "/plugins"), 200, { data: [], next: null });
  });
});

describe("mtls-auth credentials (mtls_auth_credentials)", () => {
  let alice: { id: string };
  let bob: { id: string };
  let ca: { id: string };
  let cred: { id: string; created_at: number };

  before(async () => {
    alice = check(await api("POST", "/consumers", { username: "m-alice" }), 201);
    bob = check(await api("POST", "/consumers", { username: "m-bob" }), 201);
    ca = check(await api("POST", "/ca_certificates", { cert: pki.ca.cert }), 201);
  });

  test("POST /consumers/{c}/mtls-auth → 201 with Kong's shape (no updated_at)", async () => {
    cred = check(await api("POST", "/consumers/m-alice/mtls-auth", { subject_name: "alice@tether.test" }), 201);
    assert.deepEqual(Object.keys(cred).sort(), ["ca_certificate", "consumer", "created_at", "id", "subject_name", "tags"]);
    const { id, created_at, ...rest } = cred as Record<string, unknown>;
    assert.match(String(id), UUID);
    assert.ok(recent(created_at));
    assert.deepEqual(rest, { consumer: { id: alice.id }, subject_name: "alice@tether.test", ca_certificate: null, tags: null });
    const byForm = check(await form("POST", `/consumers/${bob.id}/mtls-auth`, { subject_name: "bob@tether.test", "ca_certificate.id": ca.id }), 201);
    assert.deepEqual([byForm.consumer, byForm.ca_certificate], [{ id: bob.id }, { id: ca.id }]);
  });

  test("(subject_name, ca_certificate) is unique: 409 with Kong's cache-key message", async () => {
    check(await api("POST", "/consumers/m-bob/mtls-auth", { subject_name: "alice@tether.test" }), 409, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{ca_certificate=null,subject_name="alice@tether.test"}'`,
      fields: { ca_certificate: null, subject_name: "alice@tether.test" },
    });
    check(await api("POST", "/consumers/m-bob/mtls-auth", { subject_name: "alice@tether.test", ca_certificate: { id: ca.id } }), 201);
    check(await api("POST", "/consumers/m-alice/mtls-auth", { subject_name: "alice@tether.test", ca_certificate: { id: ca.id } }), 409, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{ca_certificate={id="${ca.id}"},subject_name="alice@tether.test"}'`,
      fields: { ca_certificate: { id: ca.id }, subject_name: "alice@tether.test" },
    });
  });

  test("validation in Kong's words", async () => {
    check(await api("POST", "/consumers/m-alice/mtls-auth", {}), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (subject_name: required field missing)",
      fields: { subject_name: "required field missing" },
    });
    const missingCa = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    check(await api("POST", "/consumers/m-alice/mtls-auth", { subject_name: "x", ca_certificate: { id: missingCa } }), 400, {
      code: 4,
      name: "foreign key violation",
      message: `the foreign key '{id="${missingCa}"}' does not reference an existing 'ca_certificates' entity.`,
      fields: { ca_certificate: { id: missingCa } },
    });
    check(await api("PATCH", `/consumers/m-alice/mtls-auth/${cred.id}`, { updated_at: 1 }), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (updated_at: unknown field)",
      fields: { updated_at: "unknown field" },
    });
    check(await api("POST", "/consumers/nobody/mtls-auth", { subject_name: "x" }), 404, NOT_FOUND);
    check(await api("GET", "/consumers/nobody/mtls-auth"), 404, NOT_FOUND);
  });

  test("GET/PATCH/PUT/DELETE /consumers/{c}/mtls-auth/{id}: only under the credential's own consumer", async () => {
    check(await api("GET", `/consumers/m-alice/mtls-auth/${cred.id}`), 200, cred);
    check(await api("GET", `/consumers/${alice.id}/mtls-auth/${cred.id}`), 200, cred);
    for (const [method, body] of [["GET"], ["PATCH", { subject_name: "stolen" }], ["PUT", { subject_name: "stolen" }], ["DELETE"]] as const)
      check(await api(method, `/consumers/m-bob/mtls-auth/${cred.id}`, body), 404, NOT_FOUND);
    check(await api("GET", `/consumers/m-alice/mtls-auth/${cred.id}`), 200, cred);
    // Kong's credential endpoints look the credential up first: a missing one is 404 even on DELETE.
    check(await api("DELETE", "/consumers/m-alice/mtls-auth/7c6b5a4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"), 404, NOT_FOUND);

    const patched = check(await api("PATCH", `/consumers/m-alice/mtls-auth/${cred.id}`, { subject_name: "alice2@tether.test", tags: ["rotated"] }), 200);
    assert.deepEqual(patched, { ...cred, subject_name: "alice2@tether.test", tags: ["rotated"] }, "created_at stays; there is no updated_at");
    const replaced = check(await api("PUT", `/consumers/m-alice/mtls-auth/${cred.id}`, { subject_name: "alice3@tether.test", consumer: { id: bob.id } }), 200);
    assert.deepEqual(replaced, { ...cred, subject_name: "alice3@tether.test" }, "PUT under a consumer keeps the URL's consumer");
    const newId = "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a";
    const created = check(await api("PUT", `/consumers/m-alice/mtls-auth/${newId}`, { subject_name: "alice-put@tether.test" }), 200);
    assert.deepEqual([created.id, created.consumer], [newId, { id: alice.id }]);
    check(await api("DELETE", `/consumers/m-alice/mtls-auth/${newId}`), 204);
    check(await api("GET", `/consumers/m-alice/mtls-auth/${newId}`), 404, NOT_FOUND);
  });

  test("/mtls-auths lists every consumer's credentials; /consumers/{c}/mtls-auth only that consumer's", async () => {
    const all = check(await api("GET", "/mtls-auths"), 200);
    assert.equal(all.next, null);
    const owners = new Set((all.data as { consumer: { id: string } }[]).map((c) => c.consumer.id));
    assert.deepEqual(owners, new Set([alice.id, bob.id]));
    const bobs = check(await api("GET", "/consumers/m-bob/mtls-auth"), 200);
    assert.ok(bobs.data.length === 2 && bobs.data.every((c: { consumer: { id: string } }) => c.consumer.id === bob.id));
    check(await api("GET", `/mtls-auths/${cred.id}`), 200);
    check(await api("GET", "/mtls-auths/not-a-uuid"), 400, {
      code: 1,
      name: "invalid primary key",
      message: `invalid primary key: '{id="not-a-uuid"}'`,
      fields: { id: "expected a valid UUID" },
    });
  });

  test("deleting the consumer deletes its credentials (on_delete = cascade)", async () => {
    check(await api("DELETE", "/consumers/m-alice"), 204);
    check(await api("GET", `/mtls-auths/${cred.id}`), 404, NOT_FOUND);
    const left = check(await api("GET", "/mtls-auths"), 200).data as { consumer: { id: string } }[];
    assert.ok(left.length === 2 && left.every((c) => c.consumer.id === bob.id));
    // The mapping's (subject_name, CA) is free again.
    check(await api("POST", "/consumers/m-bob/mtls-auth", { subject_name: "alice3@tether.test" }), 201);
  });
});
