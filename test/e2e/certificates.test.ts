// Certificates, SNIs and CA certificates on the Admin API (reference 1.7.5, 1.7.6; Kong's
// 06-certificates_routes_spec and 16-ca_certificates_routes_spec), and the proxy serving the
// certificate an SNI names — against one real `tether start` process, with certificates made by
// the real `openssl` CLI.
import assert from "node:assert/strict";
import { createHash, randomUUID, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { curl } from "../helpers/clients.ts";
import { adminJson, startTether, waitFor, type AdminResponse, type Tether } from "../helpers/tether.ts";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { selfSigned, type KeyPair } from "../fixtures/pki/self-signed.ts";

let t: Tether;
let pki: TestPki;
let dir: string;
/** Made in before(): EC (P-256) and RSA self-signed pairs, for mismatches and cert_alt. */
let ec1: KeyPair, ec2: KeyPair, ec3: KeyPair, rsa1: KeyPair;

function check(res: AdminResponse, status: number, body?: unknown): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (body !== undefined) assert.deepEqual(res.body, body);
  return res.body;
}

const violation = (fields: Record<string, unknown>, message: string) => ({ code: 2, name: "schema violation", message, fields });

let names = 0;
/** A fresh SNI name per use, so the tests do not depend on each other. */
const fresh = (suffix = "test"): string => `n${++names}-${process.pid}.${suffix}`;

async function createCertificate(pair: KeyPair = ec1, snis?: string[]): Promise<any> {
  return check(await adminJson(t, "POST", "/certificates", { cert: pair.cert, key: pair.key, ...(snis ? { snis } : {}) }), 201);
}

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** The certificate the proxy presents under this SNI ("" sends none). */
function servedCertificate(servername: string, options: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: t.httpsPort, servername, rejectUnauthorized: false, ...options }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.destroy();
      if (peer) resolve(peer.fingerprint256);
      else reject(new Error("no peer certificate"));
    });
    socket.once("error", reject);
  });
}

const defaultFingerprint = (): string => fingerprint(readFileSync(join(t.prefix, "data", "ssl", "tether-default.crt"), "utf8"));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tether-certs-"));
  pki = createPki();
  ec1 = selfSigned(dir, "ec1", "ec");
  ec2 = selfSigned(dir, "ec2", "ec");
  ec3 = selfSigned(dir, "ec3", "ec");
  rsa1 = selfSigned(dir, "rsa1", "rsa");
  t = await startTether();
});

after(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

describe("certificates: validation (Kong's messages)", () => {
  it("requires cert and key", async () => {
    check(
      await adminJson(t, "PUT", `/certificates/${randomUUID()}`, {}),
      400,
      violation(
        { cert: "required field missing", key: "required field missing" },
        "2 schema violations (cert: required field missing; key: required field missing)",
      ),
    );
  });

  it("refuses a key that does not match the certificate, on the entity", async () => {
    check(
      await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec2.key }),
      400,
      violation({ "@entity": ["certificate does not match key"] }, "schema violation (certificate does not match key)"),
    );
  });

  it("refuses text that is not a PEM certificate or key, on the field", async () => {
    const body = check(await adminJson(t, "POST", "/certificates", { cert: "not a certificate", key: "not a key" }), 400);
    assert.match(body.fields.cert, /^invalid certificate: x509\.new: /);
    assert.match(body.fields.key, /^invalid key: pkey\.new:load_key: /);
    assert.equal(body.fields["@entity"], undefined, "the match check does not run on fields that failed");
    const swapped = check(await adminJson(t, "POST", "/certificates", { cert: ec1.key, key: ec1.cert }), 400);
    assert.match(swapped.fields.cert, /^invalid certificate: /);
    assert.match(swapped.fields.key, /^invalid key: /);
    assert.doesNotMatch(JSON.stringify(swapped), /PRIVATE KEY|MII/, "the error never echoes the key");
  });

  it("wants cert_alt and key_alt together", async () => {
    check(
      await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec1.key, cert_alt: rsa1.cert }),
      400,
      violation(
        { "@entity": ["all or none of these fields must be set: 'cert_alt', 'key_alt'"] },
        "schema violation (all or none of these fields must be set: 'cert_alt', 'key_alt')",
      ),
    );
  });

  it("wants the alternative pair to match and to be of another key type", async () => {
    check(
      await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec1.key, cert_alt: rsa1.cert, key_alt: ec2.key }),
      400,
      violation(
        { "@entity": ["alternative certificate does not match key"] },
        "schema violation (alternative certificate does not match key)",
      ),
    );
    const same =
      "certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type";
    check(
      await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec1.key, cert_alt: ec2.cert, key_alt: ec2.key }),
      400,
      violation({ "@entity": [same] }, `schema violation (${same})`),
    );
  });

  it("accepts an ECDSA certificate with an RSA alternative, and a chain in cert", async () => {
    const created = await createCertificate({ cert: ec1.cert, key: ec1.key });
    assert.deepEqual(created.snis, []);
    assert.equal(created.cert_alt, null);
    const dual = check(
      await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec1.key, cert_alt: rsa1.cert, key_alt: rsa1.key }),
      201,
    );
    assert.equal(dual.cert_alt, rsa1.cert);
    const chain = check(await adminJson(t, "POST", "/certificates", { cert: pki.server.cert + pki.ca.cert, key: pki.server.key }), 201);
    assert.equal(chain.cert, pki.server.cert + pki.ca.cert);
  });
});

describe("certificates: the snis shorthand and SNI names as keys", () => {
  it("creates the SNIs with the certificate and answers with them sorted", async () => {
    const [a, b] = [fresh(), fresh()].sort();
    const created = await createCertificate(ec1, [b!, a!]);
    assert.deepEqual(created.snis, [a, b]);
    const sni = check(await adminJson(t, "GET", `/snis/${a}`), 200);
    assert.deepEqual(sni.certificate, { id: created.id });
    assert.deepEqual(check(await adminJson(t, "GET", `/certificates/${created.id}`), 200).snis, [a, b]);
    const list = check(await adminJson(t, "GET", "/certificates"), 200);
    assert.deepEqual(list.data.find((c: any) => c.id === created.id).snis, [a, b]);
  });

  it("takes snis from a form body too (curl --data-urlencode)", async () => {
    const [a, b] = [fresh(), fresh()].sort();
    const res = await curl("-X", "POST", `${t.admin}/certificates`, "--data-urlencode", `cert=${ec1.cert}`, "--data-urlencode", `key=${ec1.key}`,
      "--data-urlencode", `snis[1]=${a}`, "--data-urlencode", `snis[2]=${b}`);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.snis, [a, b]);
  });

  it("refuses a name given twice, and creates nothing", async () => {
    const a = fresh();
    check(
      await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec1.key, snis: [a, fresh(), a] }),
      400,
      violation({ snis: `${a} is duplicated` }, `schema violation (snis: ${a} is duplicated)`),
    );
    check(await adminJson(t, "GET", `/snis/${a}`), 404);
  });

  it("refuses a name another certificate has (400, as Kong's DAO), and creates nothing", async () => {
    const taken = fresh();
    const owner = await createCertificate(ec1, [taken]);
    const before = check(await adminJson(t, "GET", "/certificates?size=1000"), 200).data.length;
    const other = fresh();
    const message = `${taken} already associated with existing certificate '${owner.id}'`;
    check(
      await adminJson(t, "POST", "/certificates", { cert: ec2.cert, key: ec2.key, snis: [taken, other] }),
      400,
      violation({ snis: message }, `schema violation (snis: ${message})`),
    );
    assert.equal(check(await adminJson(t, "GET", "/certificates?size=1000"), 200).data.length, before);
    check(await adminJson(t, "GET", `/snis/${other}`), 404);
    // PATCH and PUT of another certificate are refused the same way.
    const second = await createCertificate(ec2);
    check(await adminJson(t, "PATCH", `/certificates/${second.id}`, { snis: [taken] }), 400, violation({ snis: message }, `schema violation (snis: ${message})`));
    check(
      await adminJson(t, "PUT", `/certificates/${second.id}`, { cert: ec2.cert, key: ec2.key, snis: [taken] }),
      400,
      violation({ snis: message }, `schema violation (snis: ${message})`),
    );
  });

  it("a bad name in the list is refused with the SNI's message, and nothing is written", async () => {
    const good = fresh();
    const res = check(await adminJson(t, "POST", "/certificates", { cert: ec1.cert, key: ec1.key, snis: [good, "bad:443"] }), 400);
    assert.deepEqual(res.fields, { name: "must not have a port" });
    check(await adminJson(t, "GET", `/snis/${good}`), 404);
  });

  it("GET /certificates/{sni name} finds the certificate; an unknown name is 'SNI not found'", async () => {
    const [a, b] = [fresh(), fresh()].sort();
    const created = await createCertificate(ec1, [a!, b!]);
    const byName = check(await adminJson(t, "GET", `/certificates/${b}`), 200);
    assert.deepEqual(byName, check(await adminJson(t, "GET", `/certificates/${created.id}`), 200));
    check(await adminJson(t, "GET", `/certificates/${fresh()}`), 404, { message: "SNI not found" });
    check(await adminJson(t, "PATCH", `/certificates/${fresh()}`, { tags: ["x"] }), 404, { message: "SNI not found" });
    check(await adminJson(t, "DELETE", `/certificates/${fresh()}`), 404, { message: "SNI not found" });
    check(await adminJson(t, "GET", `/certificates/${randomUUID()}`), 404, { message: "Not found" });
    check(await adminJson(t, "DELETE", `/certificates/${randomUUID()}`), 204);
  });

  it("PATCH replaces the SNIs when snis is given, keeps them when not, clears them with null", async () => {
    const [a, b] = [fresh(), fresh()].sort();
    const created = await createCertificate(ec1, [a!]);
    const replaced = check(await adminJson(t, "PATCH", `/certificates/${a}`, { snis: [b] }), 200);
    assert.deepEqual(replaced.snis, [b]);
    check(await adminJson(t, "GET", `/snis/${a}`), 404);
    const kept = check(await adminJson(t, "PATCH", `/certificates/${created.id}`, { cert: ec2.cert, key: ec2.key }), 200);
    assert.deepEqual(kept.snis, [b]);
    assert.equal(kept.cert, ec2.cert);
    const unchanged = check(await adminJson(t, "PATCH", `/certificates/${b}`, {}), 200);
    assert.deepEqual(unchanged, kept);
    assert.deepEqual(check(await adminJson(t, "PATCH", `/certificates/${created.id}`, { snis: null }), 200).snis, []);
  });

  it("PUT /certificates/{new sni name} creates a certificate with that SNI (plus the listed ones)", async () => {
    const [n1, n2] = [fresh(), fresh()].sort();
    const created = check(await adminJson(t, "PUT", `/certificates/${n1}`, { cert: ec1.cert, key: ec1.key, snis: [n2] }), 200);
    assert.deepEqual(created.snis, [n1, n2]);
    const alone = fresh();
    assert.deepEqual(check(await adminJson(t, "PUT", `/certificates/${alone}`, { cert: ec1.cert, key: ec1.key }), 200).snis, [alone]);
    // PUT by an existing name replaces that certificate and keeps the name.
    const replaced = check(await adminJson(t, "PUT", `/certificates/${n1}`, { cert: ec2.cert, key: ec2.key }), 200);
    assert.equal(replaced.id, created.id);
    assert.deepEqual(replaced.snis, [n1]);
    assert.equal(replaced.cert, ec2.cert);
    // PUT by id replaces the whole certificate: SNIs not listed go.
    assert.deepEqual(check(await adminJson(t, "PUT", `/certificates/${created.id}`, { cert: ec1.cert, key: ec1.key }), 200).snis, []);
    const id = randomUUID();
    const byId = check(await adminJson(t, "PUT", `/certificates/${id.toUpperCase()}`, { cert: ec1.cert, key: ec1.key, snis: [fresh()] }), 200);
    assert.equal(byId.id, id);
  });

  it("serves the nested /certificates/{c}/snis collection, by id or SNI name", async () => {
    const a = fresh();
    const certificate = await createCertificate(ec1, [a]);
    const b = fresh();
    const made = check(await adminJson(t, "POST", `/certificates/${a}/snis`, { name: b }), 201);
    assert.deepEqual(made.certificate, { id: certificate.id });
    check(await adminJson(t, "POST", `/certificates/${certificate.id}/snis`, { name: a }), 409);
    const listed = check(await adminJson(t, "GET", `/certificates/${certificate.id}/snis`), 200);
    assert.deepEqual(listed.data.map((s: any) => s.name).sort(), [a, b].sort());
    check(await adminJson(t, "POST", `/certificates/${fresh()}/snis`, { name: fresh() }), 404, { message: "SNI not found" });
    check(await adminJson(t, "POST", `/certificates/${randomUUID()}/snis`, { name: fresh() }), 404, { message: "Not found" });
    const patched = check(await adminJson(t, "PATCH", `/certificates/${certificate.id}/snis/${b}`, { tags: ["nested"] }), 200);
    assert.deepEqual(patched.tags, ["nested"]);
    const c = fresh();
    const put = check(await adminJson(t, "PUT", `/certificates/${certificate.id}/snis/${c}`, {}), 200);
    assert.deepEqual(put.certificate, { id: certificate.id });
    check(await adminJson(t, "DELETE", `/certificates/${certificate.id}/snis/${b}`), 204);
    assert.deepEqual(check(await adminJson(t, "GET", `/certificates/${certificate.id}`), 200).snis, [a, c].sort());
    // Under another certificate the SNI is not found.
    const other = await createCertificate(ec2);
    check(await adminJson(t, "GET", `/certificates/${other.id}/snis/${a}`), 404);
  });

  it("deleting a certificate (by an SNI name) deletes its SNIs", async () => {
    const [a, b] = [fresh(), fresh()];
    const certificate = await createCertificate(ec1, [a, b]);
    check(await adminJson(t, "DELETE", `/certificates/${a}`), 204);
    check(await adminJson(t, "GET", `/certificates/${certificate.id}`), 404);
    check(await adminJson(t, "GET", `/snis/${a}`), 404);
    check(await adminJson(t, "GET", `/snis/${b}`), 404);
  });
});

describe("snis", () => {
  it("validates names as Kong's wildcard_host does", async () => {
    const certificate = await createCertificate();
    const post = (name: unknown) => adminJson(t, "POST", "/snis", { name, certificate: { id: certificate.id } });
    const cases: [string, string][] = [
      ["*.wildcard.*", "only one wildcard must be specified"],
      ["foo.*.bar", "wildcard must be leftmost or rightmost character"],
      ["example.test:443", "must not have a port"],
      ["10.0.0.1", "must not be an IP"],
      ["bad name.test", "invalid value: bad name.test"],
      ["*.bad name", "invalid value: wildcard.bad name"],
    ];
    for (const [name, message] of cases) check(await post(name), 400, violation({ name: message }, `schema violation (name: ${message})`));
    for (const name of [`*.${fresh()}`, `${fresh()}.*`, fresh()]) assert.equal(check(await post(name), 201).name, name);
  });

  it("requires an existing certificate and a unique name", async () => {
    check(
      await adminJson(t, "POST", "/snis", { name: fresh() }),
      400,
      violation({ certificate: "required field missing" }, "schema violation (certificate: required field missing)"),
    );
    const missing = randomUUID();
    check(await adminJson(t, "POST", "/snis", { name: fresh(), certificate: { id: missing } }), 400, {
      code: 4,
      name: "foreign key violation",
      message: `the foreign key '{id="${missing}"}' does not reference an existing 'certificates' entity.`,
      fields: { certificate: { id: missing } },
    });
    const certificate = await createCertificate();
    const name = fresh();
    check(await adminJson(t, "POST", "/snis", { name, certificate: { id: certificate.id } }), 201);
    check(await adminJson(t, "POST", "/snis", { name, certificate: { id: certificate.id } }), 409, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{name="${name}"}'`,
      fields: { name },
    });
  });
});

describe("services and certificates", () => {
  it("client_certificate must exist, and holds its certificate back from deletion", async () => {
    const missing = randomUUID();
    check(await adminJson(t, "POST", "/services", { url: "https://upstream.test", client_certificate: { id: missing } }), 400, {
      code: 4,
      name: "foreign key violation",
      message: `the foreign key '{id="${missing}"}' does not reference an existing 'certificates' entity.`,
      fields: { client_certificate: { id: missing } },
    });
    const certificate = await createCertificate(ec1, [fresh()]);
    const service = check(await adminJson(t, "POST", "/services", { url: "https://upstream.test", client_certificate: { id: certificate.id } }), 201);
    check(await adminJson(t, "DELETE", `/certificates/${certificate.id}`), 400, {
      code: 4,
      name: "foreign key violation",
      message: "an existing 'services' entity references this 'certificates' entity",
      fields: { "@referenced_by": "services" },
    });
    check(await adminJson(t, "DELETE", `/services/${service.id}`), 204);
    check(await adminJson(t, "DELETE", `/certificates/${certificate.id}`), 204);
  });

  it("serves /certificates/{c}/services: the services using it as client_certificate", async () => {
    const name = fresh();
    const certificate = await createCertificate(ec1, [name]);
    const made = check(await adminJson(t, "POST", `/certificates/${name}/services`, { url: "https://mtls-upstream.test" }), 201);
    assert.deepEqual(made.client_certificate, { id: certificate.id });
    check(await adminJson(t, "POST", "/services", { url: "https://unrelated.test" }), 201);
    const listed = check(await adminJson(t, "GET", `/certificates/${certificate.id}/services`), 200);
    assert.deepEqual(listed.data.map((s: any) => s.id), [made.id]);
    check(await adminJson(t, "DELETE", `/certificates/${certificate.id}/services/${made.id}`), 204);
    check(await adminJson(t, "DELETE", `/certificates/${certificate.id}`), 204);
  });
});

describe("ca_certificates", () => {
  const digest = (pem: string): string => createHash("sha256").update(new X509Certificate(pem).raw).digest("hex");

  it("computes cert_digest and refuses the same CA twice (409)", async () => {
    const created = check(await adminJson(t, "POST", "/ca_certificates", { cert: pki.ca.cert, cert_digest: "0".repeat(64) }), 201);
    assert.equal(created.cert_digest, digest(pki.ca.cert));
    assert.deepEqual(Object.keys(created).sort(), ["cert", "cert_digest", "created_at", "id", "tags", "updated_at"]);
    check(await adminJson(t, "POST", "/ca_certificates", { cert: pki.ca.cert }), 409, {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{cert_digest="${created.cert_digest}"}'`,
      fields: { cert_digest: created.cert_digest },
    });
    const patched = check(await adminJson(t, "PATCH", `/ca_certificates/${created.id}`, { cert: pki.otherCa.cert }), 200);
    assert.equal(patched.cert_digest, digest(pki.otherCa.cert));
    check(await adminJson(t, "DELETE", `/ca_certificates/${created.id}`), 204);
  });

  it("refuses several certificates, an expired one and a non-CA, in Kong's words", async () => {
    const cases: [string, string][] = [
      [pki.ca.cert + pki.otherCa.cert, "please submit only one certificate at a time"],
      [pki.expiredClient.cert, 'certificate expired, "Not After" time is in the past'],
      [pki.server.cert, 'certificate does not appear to be a CA because it is missing the "CA" basic constraint'],
    ];
    for (const [cert, message] of cases)
      check(await adminJson(t, "POST", "/ca_certificates", { cert }), 400, violation({ "@entity": [message] }, `schema violation (${message})`));
    check(await adminJson(t, "POST", "/ca_certificates", {}), 400, violation({ cert: "required field missing" }, "schema violation (cert: required field missing)"));
    const garbage = check(await adminJson(t, "POST", "/ca_certificates", { cert: "garbage" }), 400);
    assert.match(garbage.fields.cert, /^invalid certificate: x509\.new: /);
  });

  it("is addressed by id only", async () => {
    const invalid = {
      code: 1,
      name: "invalid primary key",
      message: `invalid primary key: '{id="not-a-uuid"}'`,
      fields: { id: "expected a valid UUID" },
    };
    check(await adminJson(t, "GET", "/ca_certificates/not-a-uuid"), 400, invalid);
    check(await adminJson(t, "PUT", "/ca_certificates/not-a-uuid", { cert: pki.ca.cert }), 400, invalid);
    check(await adminJson(t, "DELETE", "/ca_certificates/not-a-uuid"), 400, invalid);
  });

  it("cannot be deleted while a service's ca_certificates names it (code 19)", async () => {
    const ca = check(await adminJson(t, "POST", "/ca_certificates", { cert: pki.ca.cert }), 201);
    const service = check(await adminJson(t, "POST", "/services", { url: "https://upstream.test", ca_certificates: [ca.id] }), 201);
    check(await adminJson(t, "DELETE", `/ca_certificates/${ca.id}`), 400, {
      code: 19,
      name: "referenced by others",
      message: `ca certificate ${ca.id} is still referenced by services (id = ${service.id})`,
    });
    check(await adminJson(t, "PATCH", `/services/${service.id}`, { ca_certificates: null }), 200);
    check(await adminJson(t, "DELETE", `/ca_certificates/${ca.id}`), 204);
  });

  /** The CA cannot go while the plugin names it (Kong's code 19); once the plugin is gone, it can. */
  async function deletableOnlyWithoutPlugin(caId: string, pluginId: string): Promise<void> {
    check(await adminJson(t, "DELETE", `/ca_certificates/${caId}`), 400, {
      code: 19,
      name: "referenced by others",
      message: `ca certificate ${caId} is still referenced by plugins (id = ${pluginId})`,
    });
    check(await adminJson(t, "DELETE", `/plugins/${pluginId}`), 204);
    check(await adminJson(t, "DELETE", `/ca_certificates/${caId}`), 204);
  }

  it("cannot be deleted while an mtls-auth plugin's config names it (code 19)", async (ctx) => {
    const enabled = check(await adminJson(t, "GET", "/plugins/enabled"), 200).enabled_plugins as string[];
    if (!enabled.includes("mtls-auth")) return ctx.skip("mtls-auth is not enabled in this build");
    const ca = check(await adminJson(t, "POST", "/ca_certificates", { cert: pki.otherCa.cert }), 201);
    const plugin = check(await adminJson(t, "POST", "/plugins", { name: "mtls-auth", config: { ca_certificates: [ca.id] } }), 201);
    await deletableOnlyWithoutPlugin(ca.id as string, plugin.id as string);
  });

  it("cannot be deleted while openid-connect's proof_of_possession_mtls_from_header names it (code 19; beyond Kong)", async () => {
    const ca = check(await adminJson(t, "POST", "/ca_certificates", { cert: pki.otherCa.cert }), 201);
    const plugin = check(
      await adminJson(t, "POST", "/plugins", {
        name: "openid-connect",
        config: {
          issuer: "https://idp.test/realms/x",
          auth_methods: ["bearer"],
          proof_of_possession_mtls: "strict",
          proof_of_possession_mtls_from_header: { certificate_header_name: "ssl-client-cert", ca_certificates: [ca.id] },
        },
      }),
      201,
    );
    await deletableOnlyWithoutPlugin(ca.id as string, plugin.id as string);
  });

  it("cannot be deleted while an mtls-auth credential names it", async () => {
    const ca = check(await adminJson(t, "POST", "/ca_certificates", { cert: pki.ca.cert }), 201);
    const consumer = check(await adminJson(t, "POST", "/consumers", { username: `ca-user-${process.pid}` }), 201);
    const credential = check(
      await adminJson(t, "POST", `/consumers/${consumer.id}/mtls-auth`, { subject_name: "alice@tether.test", ca_certificate: { id: ca.id } }),
      201,
    );
    const refused = check(await adminJson(t, "DELETE", `/ca_certificates/${ca.id}`), 400);
    assert.match(refused.message, /mtls_auth_credentials/);
    check(await adminJson(t, "DELETE", `/consumers/${consumer.id}/mtls-auth/${credential.id}`), 204);
    check(await adminJson(t, "DELETE", `/ca_certificates/${ca.id}`), 204);
  });
});

describe("the proxy serves the certificate the SNI names", () => {
  it("an exact name, within a second of the Admin API write, and the default for others", async () => {
    const name = fresh("served.test");
    assert.equal(await servedCertificate(name), defaultFingerprint());
    const started = Date.now();
    await createCertificate(ec3, [name]);
    await waitFor(async () => (await servedCertificate(name)) === fingerprint(ec3.cert), 1_000, 20);
    assert.ok(Date.now() - started < 1_000, `served after ${Date.now() - started} ms`);
    assert.equal(await servedCertificate(fresh("other.test")), defaultFingerprint());
    assert.equal(await servedCertificate(""), defaultFingerprint(), "no SNI: the default certificate");
    assert.equal(await servedCertificate(name.toUpperCase()), fingerprint(ec3.cert), "names compare case-insensitively");
  });

  it("wildcards: *.x for one more label, x.* for one last label, the exact name first", async () => {
    const base = `w${process.pid}.test`;
    const exact = `exact.${base}`;
    await createCertificate(ec1, [`*.${base}`]);
    await createCertificate(ec2, [exact, `prefix${process.pid}.*`]);
    await waitFor(async () => (await servedCertificate(`any.${base}`)) === fingerprint(ec1.cert), 1_000, 20);
    assert.equal(await servedCertificate(exact), fingerprint(ec2.cert));
    assert.equal(await servedCertificate(`a.b.${base}`), defaultFingerprint(), "*.x matches one label only");
    assert.equal(await servedCertificate(`prefix${process.pid}.example`), fingerprint(ec2.cert));
    assert.equal(await servedCertificate(`prefix${process.pid}.example.test`), defaultFingerprint(), "x.* replaces the last label only");
  });

  it("follows deletes: a deleted certificate's names get the default again", async () => {
    const name = fresh("gone.test");
    const certificate = await createCertificate(rsa1, [name]);
    await waitFor(async () => (await servedCertificate(name)) === fingerprint(rsa1.cert), 1_000, 20);
    check(await adminJson(t, "DELETE", `/certificates/${certificate.id}`), 204);
    await waitFor(async () => (await servedCertificate(name)) === defaultFingerprint(), 1_000, 20);
  });

  it("serves cert_alt to clients that can only verify its key type", async () => {
    const name = fresh("dual.test");
    await adminJson(t, "POST", "/certificates", { cert: ec3.cert, key: ec3.key, cert_alt: rsa1.cert, key_alt: rsa1.key, snis: [name] });
    await waitFor(async () => (await servedCertificate(name)) === fingerprint(ec3.cert), 1_000, 20);
    for (const maxVersion of ["TLSv1.2", "TLSv1.3"] as const) {
      assert.equal(await servedCertificate(name, { maxVersion, sigalgs: "ECDSA+SHA256:RSA-PSS+SHA256" }), fingerprint(ec3.cert), maxVersion);
      assert.equal(await servedCertificate(name, { maxVersion, sigalgs: "RSA-PSS+SHA256:RSA+SHA256" }), fingerprint(rsa1.cert), maxVersion);
      assert.equal(await servedCertificate(name, { maxVersion, sigalgs: "RSA-PSS+SHA256:ECDSA+SHA256" }), fingerprint(rsa1.cert), maxVersion);
    }
  });

  it("a certificate OpenSSL refuses never breaks the listener: its names get the default", async () => {
    // Entities are validated on write; this one is forced into the store behind the Admin API's back.
    const name = fresh("broken.test");
    const id = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const db = new Database(join(t.prefix, "data", "tether.db"));
    try {
      const certificate = { id, created_at: now, updated_at: now, tags: null, cert: ec1.cert, key: ec2.key, cert_alt: null, key_alt: null };
      const sni = { id: randomUUID(), created_at: now, updated_at: now, tags: null, name, certificate: { id } };
      db.transaction(() => {
        db.prepare("INSERT INTO certificates (id, created_at, updated_at, entity) VALUES (?, ?, ?, ?)").run(id, now, now, JSON.stringify(certificate));
        db.prepare("INSERT INTO snis (id, name, certificate_id, created_at, updated_at, entity) VALUES (?, ?, ?, ?, ?, ?)").run(
          sni.id, name, id, now, now, JSON.stringify(sni),
        );
        db.prepare("UPDATE config_version SET version = version + 1 WHERE singleton = 1").run();
      })();
    } finally {
      db.close();
    }
    await waitFor(async () => t.logs.some((l) => l.msg.startsWith("certificate cannot be served") && l["certificate"] === id), 2_000);
    assert.equal(await servedCertificate(name), defaultFingerprint());
    assert.equal(t.process.exitCode, null);
    check(await adminJson(t, "DELETE", `/certificates/${id}`), 204);
  });

  it("never writes a private key to the log", () => {
    const text = [...t.logs.map((l) => JSON.stringify(l)), ...t.stderr].join("\n");
    assert.doesNotMatch(text, /PRIVATE KEY/);
    for (const pair of [ec1, ec2, ec3, rsa1]) {
      const body = pair.key.split("\n")[1]!;
      assert.ok(!text.includes(body), "a line of a key appears in the log");
    }
  });
});
