// DB-less mode (`database = off`), as Kong's (reference clustering.md 6.1-6.10): a node started
// from a declarative file serves it through the proxy; its Admin API reads but refuses every
// write with Kong's 405 (code 12), after the checks Kong makes first; `POST /config` replaces the
// whole configuration (each content type Kong takes, check_hash, Kong's error bodies, flattened
// errors, one load at a time) and the proxy follows within a second, workers included;
// `GET /config` and `/status` report it; a restarted node serves what it was last given.
import assert from "node:assert/strict";
import { randomUUID, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { startEcho, type Echo, type EchoRequest } from "../fixtures/upstream/index.ts";
import { curl } from "../helpers/clients.ts";
import { adminJson, adminRequest, startTether, waitFor, type AdminResponse, type Tether } from "../helpers/tether.ts";

const DB_LESS = { TETHER_DATABASE: "off" };
const EMPTY_HASH = "00000000000000000000000000000000";
// Kong's deterministic ids for these names (the ids Kong's own spec uses).
const SERVICE_ID = "0855b320-0dd2-547d-891d-601e9b38647f";
const ROUTE_ID = "481a9539-f49c-51b6-b2e2-fe99ee68866c";
const CONSUMER_ID = "4b1b701d-de2b-5588-9aa2-3b97061d9f52";
const NOT_DBLESS = { message: "this endpoint is only available when Kong is configured to not use a database" };

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");
const unsupported = (what: string): Record<string, unknown> => ({
  code: 12,
  name: "operation unsupported",
  message: `cannot ${what} when not using a database`,
});

let echo: Echo;
let pki: TestPki;
const scratch = mkdtempSync(join(tmpdir(), "tether-dbless-"));
let files = 0;

before(async () => {
  echo = await startEcho();
  pki = createPki();
});
after(async () => {
  await echo.stop();
  rmSync(scratch, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

function expect(res: AdminResponse, status: number, body?: unknown): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (body !== undefined) assert.deepEqual(res.body, body);
  return res.body;
}

/** A configuration in YAML: `my-service` to the echo upstream, `my-route` on `path`, consumer `my-user`. */
function config(path: string, extra = ""): string {
  return [
    '_format_version: "3.0"',
    "services:",
    "- name: my-service",
    `  url: ${echo.url}`,
    "  routes:",
    "  - name: my-route",
    `    paths: [${path}]`,
    "consumers:",
    "- username: my-user",
    extra,
  ].join("\n");
}

function writeFile(name: string, text: string): string {
  const path = join(scratch, `${++files}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** A request through the proxy on a fresh connection (so workers share them out); the upstream's echo when it answered. */
function throughProxy(t: Tether, path: string): Promise<{ status: number; echo: EchoRequest | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: t.httpPort, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, echo: res.statusCode === 200 ? (JSON.parse(text) as EchoRequest) : undefined });
        });
      })
      .on("error", reject);
  });
}

/** Waits until `n` requests in a row on `path` answer `status`; returns the ms it took. */
async function streak(t: Tether, path: string, status: number, n = 20, timeoutMs = 3_000): Promise<number> {
  let run = 0;
  return waitFor(async () => {
    run = (await throughProxy(t, path)).status === status ? run + 1 : 0;
    return run >= n;
  }, timeoutMs, 5);
}

const status = async (t: Tether): Promise<any> => expect(await adminJson(t, "GET", "/status"), 200);

describe("a DB-less node started from declarative_config", () => {
  let t: Tether;
  let text: string;
  let certificateId: string;
  let pluginId: string;

  before(async () => {
    const certificate = [
      "certificates:",
      `- cert: ${JSON.stringify(pki.server.cert)}`,
      `  key: ${JSON.stringify(pki.server.key)}`,
      "  snis:",
      "  - name: api.tether.test",
      "plugins:",
      "- name: tls-handshake-modifier",
      "",
    ].join("\n");
    text = config("/from-file", certificate);
    t = await startTether({ env: { ...DB_LESS, TETHER_DECLARATIVE_CONFIG: writeFile("kong.yml", text) } });
    certificateId = expect(await adminJson(t, "GET", "/certificates"), 200).data[0].id;
    pluginId = expect(await adminJson(t, "GET", "/plugins"), 200).data[0].id;
  });
  after(async () => {
    await t?.stop();
  });

  test("the proxy enforces the file: a request on its route reaches the upstream", async () => {
    const res = await throughProxy(t, "/from-file/hello?x=1");
    assert.equal(res.status, 200);
    assert.equal(res.echo?.url, "/hello?x=1");
    assert.equal((await throughProxy(t, "/elsewhere")).status, 404);
  });

  test("GET / says database off; GET /status has the file's configuration_hash and no database", async () => {
    assert.equal(expect(await adminJson(t, "GET", "/"), 200).configuration.database, "off");
    const body = await status(t);
    assert.equal(body.configuration_hash, md5(text));
    assert.ok(!("database" in body), "Kong's DB-less /status has no database section");
    assert.ok(body.memory && body.server);
  });

  test("the entities read as usual, with Kong's ids for the named ones", async () => {
    assert.equal(expect(await adminJson(t, "GET", "/services/my-service"), 200).id, SERVICE_ID);
    assert.deepEqual(expect(await adminJson(t, "GET", "/routes/my-route"), 200).service, { id: SERVICE_ID });
    assert.equal(expect(await adminJson(t, "GET", "/consumers/my-user"), 200).id, CONSUMER_ID);
    assert.deepEqual(expect(await adminJson(t, "GET", `/certificates/${certificateId}`), 200).snis, ["api.tether.test"]);
  });

  test("GET /config: the configuration as YAML in Kong's export format", async () => {
    const body = expect(await adminJson(t, "GET", "/config"), 200);
    assert.deepEqual(Object.keys(body), ["config"]);
    const doc = parse(body.config);
    assert.equal(doc._format_version, "3.0");
    assert.equal(doc._transform, false);
    const [service] = doc.services;
    assert.deepEqual([service.id, service.name, service.host, service.port], [SERVICE_ID, "my-service", "127.0.0.1", echo.port]);
    assert.deepEqual(service.routes.map((r: any) => [r.id, r.paths]), [[ROUTE_ID, ["/from-file"]]]);
    assert.equal(service.path, null, "every field, nulls included");
    assert.deepEqual(doc.consumers.map((c: any) => c.id), [CONSUMER_ID]);
    assert.deepEqual(doc.certificates[0].snis.map((s: any) => s.name), ["api.tether.test"]);
  });

  describe("the Admin API refuses writes with Kong's 405 (code 12)", () => {
    test("creates: POST on every collection, nested ones name the child table", async () => {
      expect(await adminJson(t, "POST", "/services", { name: "new", url: "http://127.0.0.1:9" }), 405, unsupported("create 'services' entities"));
      // Kong's spec: a route naming a service that exists nowhere still gets the 405 (no database to check the reference).
      expect(await adminJson(t, "POST", "/routes", { protocols: ["http"], hosts: ["my.route.com"], service: { id: randomUUID() } }), 405, unsupported("create 'routes' entities"));
      expect(await adminJson(t, "POST", "/consumers", { username: "new" }), 405, unsupported("create 'consumers' entities"));
      expect(await adminJson(t, "POST", "/plugins", { name: "tls-handshake-modifier", service: { id: SERVICE_ID } }), 405, unsupported("create 'plugins' entities"));
      expect(await adminJson(t, "POST", "/certificates", { cert: pki.server.cert, key: pki.server.key }), 405, unsupported("create 'certificates' entities"));
      expect(await adminJson(t, "POST", "/services/my-service/routes", { paths: ["/nested"] }), 405, unsupported("create 'routes' entities"));
      expect(await adminJson(t, "POST", "/consumers/my-user/mtls-auth", { subject_name: "a@tether.test" }), 405, unsupported("create 'mtls_auth_credentials' entities"));
    });

    test("PUT is create or update, `by 'name'` when the URL names the entity by its endpoint key", async () => {
      expect(await adminJson(t, "PUT", "/services/my-service", { url: "http://127.0.0.1:9" }), 405, unsupported("create or update 'services' entities by 'name'"));
      expect(await adminJson(t, "PUT", "/services/my-name", { url: "http://127.0.0.1:9" }), 405, unsupported("create or update 'services' entities by 'name'"));
      expect(await adminJson(t, "PUT", `/routes/${randomUUID()}`, { paths: ["/"], service: { id: randomUUID() } }), 405, unsupported("create or update 'routes' entities"));
      expect(await adminJson(t, "PUT", `/certificates/${certificateId}`, { cert: pki.server.cert, key: pki.server.key }), 405, unsupported("create or update 'certificates' entities"));
    });

    test("PATCH is update; DELETE is remove, even where a database would have refused first", async () => {
      expect(await adminJson(t, "PATCH", `/services/${SERVICE_ID}`, { retries: 1 }), 405, unsupported("update 'services' entities"));
      expect(await adminJson(t, "PATCH", "/consumers/my-user", { custom_id: "x" }), 405, unsupported("update 'consumers' entities by 'username'"));
      expect(await adminJson(t, "PATCH", `/plugins/${pluginId}`, { enabled: false }), 405, unsupported("update 'plugins' entities"));
      expect(await adminJson(t, "PATCH", `/certificates/${certificateId}`, { tags: ["x"] }), 405, unsupported("update 'certificates' entities"));
      // The service still has a route: a database's restrict would answer 400, Kong's DB-less node 405.
      expect(await adminJson(t, "DELETE", "/services/my-service"), 405, unsupported("remove 'services' entities by 'name'"));
      expect(await adminJson(t, "DELETE", `/routes/${ROUTE_ID}`), 405, unsupported("remove 'routes' entities"));
      expect(await adminJson(t, "DELETE", `/consumers/${CONSUMER_ID}`), 405, unsupported("remove 'consumers' entities"));
      expect(await adminJson(t, "DELETE", `/plugins/${pluginId}`), 405, unsupported("remove 'plugins' entities"));
      // Kong's certificates DAO removes the SNIs (by name) first: that is what refuses.
      expect(await adminJson(t, "DELETE", `/certificates/${certificateId}`), 405, unsupported("remove 'snis' entities by 'name'"));
    });

    test("checks Kong makes before the write still answer first: invalid body 400, unknown PATCH 404, unknown DELETE 204", async () => {
      const invalid = expect(await adminJson(t, "POST", "/services", { name: "new", port: -1 }), 400);
      assert.deepEqual([invalid.code, invalid.fields], [2, { host: "required field missing", port: "value should be between 0 and 65535" }]);
      expect(await adminJson(t, "POST", "/services", { name: "new", host: "a.tether.test", port: 1 }), 405, unsupported("create 'services' entities"));
      assert.equal(expect(await adminJson(t, "PUT", "/services/my-service", { port: "x" }), 400).code, 2);
      assert.equal(expect(await adminJson(t, "POST", "/routes", { paths: ["/"], service: { name: "nope" } }), 400).code, 13, "the DAO resolves names");
      expect(await adminJson(t, "PATCH", `/services/${randomUUID()}`, { retries: 1 }), 404, { message: "Not found" });
      expect(await adminJson(t, "PATCH", "/consumers/nobody", { custom_id: "x" }), 404, { message: "Not found" });
      assert.equal((await adminJson(t, "DELETE", `/routes/${randomUUID()}`)).status, 204);
      assert.equal((await adminJson(t, "DELETE", "/services/no-such-service")).status, 204);
      expect(await adminJson(t, "PUT", "/routes", { paths: ["/"] }), 405, { message: "Method not allowed" });
    });

    test("and nothing changed", async () => {
      assert.equal(expect(await adminJson(t, "GET", "/services"), 200).data.length, 1);
      assert.equal(expect(await adminJson(t, "GET", "/consumers"), 200).data.length, 1);
      assert.equal((await status(t)).configuration_hash, md5(text));
      assert.equal((await throughProxy(t, "/from-file")).status, 200);
    });
  });
});

describe("POST /config", () => {
  let t: Tether;
  before(async () => {
    t = await startTether({ env: DB_LESS });
  });
  after(async () => {
    await t?.stop();
  });

  /** Posts, expects 201, and waits for the proxy to route `path` (within a second). */
  async function loaded(res: AdminResponse, path: string): Promise<any> {
    const body = expect(res, 201);
    const ms = await streak(t, path, 200, 1);
    assert.ok(ms < 1_000, `the proxy followed in ${ms} ms`);
    return body;
  }

  test("an empty node: configuration_hash of nothing, an empty configuration, nothing routed", async () => {
    assert.equal((await status(t)).configuration_hash, EMPTY_HASH);
    expect(await adminJson(t, "GET", "/config"), 200, { config: '_format_version: "3.0"\n_transform: false\n' });
    assert.equal((await throughProxy(t, "/json")).status, 404);
  });

  test("a JSON body that is the configuration: 201 with the entities by collection and id, defaults filled, no workspace", async () => {
    const doc = parse(config("/json"));
    const body = await loaded(await adminJson(t, "POST", "/config", doc), "/json/x");
    assert.deepEqual(Object.keys(body).sort(), ["consumers", "routes", "services"]);
    assert.deepEqual(Object.keys(body.services), [SERVICE_ID]);
    const service = body.services[SERVICE_ID];
    assert.deepEqual([service.name, service.protocol, service.host, service.port, service.retries, service.connect_timeout], ["my-service", "http", "127.0.0.1", echo.port, 5, 60000]);
    assert.deepEqual(body.routes[ROUTE_ID].service, { id: SERVICE_ID });
    assert.deepEqual([body.routes[ROUTE_ID].paths, body.routes[ROUTE_ID].strip_path], [["/json"], true]);
    assert.deepEqual(Object.keys(body.consumers), [CONSUMER_ID]);
    assert.equal(body.consumers[CONSUMER_ID].custom_id, null);
    assert.ok(!("workspaces" in body) && !("ws_id" in service));
    const hash = (await status(t)).configuration_hash;
    assert.match(hash, /^[0-9a-f]{32}$/);
    assert.notEqual(hash, EMPTY_HASH);
    assert.equal((await throughProxy(t, "/json/x")).echo?.url, "/x");
  });

  test("`config` as a JSON or YAML string, a form field, curl --form config=@file, and a YAML body: configuration_hash is the text's MD5", async () => {
    const cases: [string, string, () => Promise<AdminResponse>][] = [];
    const add = (path: string, send: (text: string) => Promise<AdminResponse>, text = config(path)): void => {
      cases.push([path, text, () => send(text)]);
    };
    add("/json-yaml", (text) => adminJson(t, "POST", "/config", { config: text }));
    add("/json-json", (text) => adminJson(t, "POST", "/config", { config: text }), JSON.stringify(parse(config("/json-json"))));
    add("/form", (text) => adminRequest(t, "POST", "/config", new URLSearchParams({ config: text }).toString(), "application/x-www-form-urlencoded"));
    add("/curl-form", async (text) => {
      const res = await curl("--form", `config=@${writeFile("kong.yml", text)}`, `${t.admin}/config`);
      return { status: res.status, body: res.body, headers: new Headers(res.headers) };
    });
    add("/yaml", (text) => adminRequest(t, "POST", "/config", text, "application/yaml"));
    add("/text-yaml", (text) => adminRequest(t, "POST", "/config", text, "text/yaml; charset=utf-8"));
    let previous = "/json";
    for (const [path, text, send] of cases) {
      const body = await loaded(await send(), `${path}/x`);
      assert.deepEqual(body.routes[ROUTE_ID].paths, [path], path);
      assert.equal((await status(t)).configuration_hash, md5(text), path);
      assert.equal((await throughProxy(t, previous)).status, 404, `${previous} is gone with the configuration it was in`);
      previous = path;
    }
  });

  test("check_hash=1: the same text again is 304 and reloads nothing; anything else loads", async () => {
    const text = config("/hashed");
    await loaded(await adminRequest(t, "POST", "/config?check_hash=1", text, "application/yaml"), "/hashed");
    const before = await status(t);
    const again = await adminRequest(t, "POST", "/config?check_hash=1", text, "application/yaml");
    assert.equal(again.status, 304);
    assert.equal(again.body, undefined);
    assert.equal((await adminJson(t, "POST", "/config?check_hash=1", { config: text })).status, 304, "the text's hash, however it is sent");
    assert.deepEqual((await status(t)).configuration, before.configuration, "no new configuration version");
    assert.equal((await adminRequest(t, "POST", "/config?check_hash=true", text, "application/yaml")).status, 201, "only `1` enables it");
    assert.equal((await adminRequest(t, "POST", "/config", text, "application/yaml")).status, 201, "without it the same text loads again");
    assert.equal((await adminJson(t, "POST", "/config?check_hash=1", parse(text))).status, 201, "a JSON object has no text to compare: never 304");
  });

  describe("a configuration Kong would refuse", () => {
    const GOOD = "/good";
    let goodText: string;
    let goodExport: string;
    let goodHash: string;

    before(async () => {
      goodText = config(GOOD);
      await loaded(await adminRequest(t, "POST", "/config", goodText, "application/yaml"), GOOD);
      goodExport = expect(await adminJson(t, "GET", "/config"), 200).config;
      goodHash = (await status(t)).configuration_hash;
    });

    test("a validation error: 400 code 14 with fields mirroring the input (Kong's spec, byte for byte)", async () => {
      const text = '_format_version: "1.1"\nservices:\n- port: -12\n';
      expect(await adminJson(t, "POST", "/config", { config: text }), 400, {
        code: 14,
        name: "invalid declarative configuration",
        message: 'declarative config is invalid: {services={{host="required field missing",port="value should be between 0 and 65535"}}}',
        fields: { services: [{ host: "required field missing", port: "value should be between 0 and 65535" }] },
      });
    });

    test("duplicates: null for the entries that are fine, the message at the duplicate", async () => {
      const text = [
        '_format_version: "1.1"',
        "services:",
        `- id: ${SERVICE_ID}`,
        "  name: foo",
        "  host: example.com",
        `- id: ${SERVICE_ID}`,
        "  name: bar",
        "  host: example.test",
        "",
      ].join("\n");
      const message = `uniqueness violation: 'services' entity with primary key set to '${SERVICE_ID}' already declared`;
      expect(await adminJson(t, "POST", "/config", { config: text }), 400, {
        code: 14,
        name: "invalid declarative configuration",
        message: `declarative config is invalid: {services={[2]="${message}"}}`,
        fields: { services: [null, message] },
      });
      const byName = expect(await adminRequest(t, "POST", "/config", text.replaceAll(`- id: ${SERVICE_ID}\n  name: bar`, "- name: foo"), "application/yaml"), 400);
      assert.deepEqual(byName.fields, { services: [null, "uniqueness violation: 'services' entity with name set to 'foo' already declared"] });
    });

    test("unparsable or not an object: Kong's `error` field", async () => {
      const expected = {
        code: 14,
        name: "invalid declarative configuration",
        message: 'declarative config is invalid: {error="failed parsing declarative configuration: expected an object"}',
        fields: { error: "failed parsing declarative configuration: expected an object" },
      };
      expect(await adminJson(t, "POST", "/config", { config: "bobby tables" }), 400, expected);
      expect(await adminJson(t, "POST", "/config?flatten_errors=1", { config: "bobby tables" }), 400, expected);
      const broken = expect(await adminRequest(t, "POST", "/config", "services: [unclosed\n", "application/yaml"), 400);
      assert.equal(broken.code, 14);
      assert.match(broken.fields.error, /^failed parsing declarative configuration: .+/);
    });

    test("flatten_errors: each entity's errors as one item, children hoisted; fields keeps what is no entity's", async () => {
      const doc = {
        _format_version: "3.0",
        abnormal_extra_field: 123,
        services: [
          {
            name: "nope",
            host: "localhost",
            port: 1234,
            protocol: "nope",
            tags: ["service-01"],
            routes: [{ name: "fine", paths: ["/fine"] }, { name: "bad-route", paths: ["nope"], tags: ["route-02", "k8s-name:bad"] }],
          },
        ],
        consumers: [
          { id: "a73dc9a7-93df-584d-97c0-7f41a1bbce3d", username: "test-consumer-1", tags: ["consumer-1"] },
          { id: "a73dc9a7-93df-584d-97c0-7f41a1bbce32", username: "test-consumer-1", tags: ["consumer-2"] },
        ],
      };
      const plain = expect(await adminJson(t, "POST", "/config", doc), 400);
      assert.deepEqual(plain.fields, {
        abnormal_extra_field: "unknown field",
        consumers: [null, "uniqueness violation: 'consumers' entity with username set to 'test-consumer-1' already declared"],
        services: [
          {
            protocol: "expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp",
            routes: [null, { paths: ["should start with: / (fixed path) or ~/ (regex path)"] }],
          },
        ],
      });
      assert.ok(!("flattened_errors" in plain));
      for (const flag of ["1", "true", "ON", "yes"]) {
        const flat = expect(await adminJson(t, "POST", `/config?flatten_errors=${flag}`, doc), 400);
        assert.deepEqual(flat, {
          code: 14,
          name: "invalid declarative configuration",
          message: 'declarative config is invalid: {abnormal_extra_field="unknown field"}',
          fields: { abnormal_extra_field: "unknown field" },
          flattened_errors: [
            {
              entity_type: "route",
              entity_name: "bad-route",
              entity_tags: ["route-02", "k8s-name:bad"],
              entity: { name: "bad-route", paths: ["nope"], tags: ["route-02", "k8s-name:bad"] },
              errors: [{ type: "field", field: "paths.1", message: "should start with: / (fixed path) or ~/ (regex path)" }],
            },
            {
              entity_type: "service",
              entity_name: "nope",
              entity_tags: ["service-01"],
              entity: { name: "nope", host: "localhost", port: 1234, protocol: "nope", tags: ["service-01"] },
              errors: [{ type: "field", field: "protocol", message: "expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp" }],
            },
            {
              entity_type: "consumer",
              entity_id: "a73dc9a7-93df-584d-97c0-7f41a1bbce32",
              entity_tags: ["consumer-2"],
              entity: { id: "a73dc9a7-93df-584d-97c0-7f41a1bbce32", username: "test-consumer-1", tags: ["consumer-2"] },
              errors: [{ type: "entity", message: "uniqueness violation: 'consumers' entity with username set to 'test-consumer-1' already declared" }],
            },
          ],
        }, flag);
      }
      assert.equal((await adminJson(t, "POST", "/config?flatten_errors=0", doc)).body.flattened_errors, undefined);
    });

    test("no configuration, or a content type Kong does not take", async () => {
      expect(await adminRequest(t, "POST", "/config"), 400, { message: "expected a declarative configuration" });
      const res = await adminRequest(t, "POST", "/config", goodText, "text/plain");
      assert.equal(res.status, 415);
      assert.equal(res.body, undefined, "Kong's 415 has no body");
      const yamlElsewhere = await adminRequest(t, "POST", "/services", "name: x\n", "application/yaml");
      assert.equal(yamlElsewhere.status, 415, "YAML is taken on /config only");
    });

    test("after all of them nothing changed: hash, entities, export, and what the proxy enforces", async () => {
      // A valid service and route beside one bad entity: none of it may be loaded.
      const text = config("/never", "plugins:\n- name: no-such-plugin\n");
      const refused = expect(await adminRequest(t, "POST", "/config", text, "application/yaml"), 400);
      assert.deepEqual(refused.fields, { plugins: [{ name: "plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property" }] });
      await new Promise((resolve) => setTimeout(resolve, 300)); // more than a reload takes
      assert.equal((await status(t)).configuration_hash, goodHash);
      assert.equal(expect(await adminJson(t, "GET", "/config"), 200).config, goodExport);
      assert.deepEqual(expect(await adminJson(t, "GET", "/routes/my-route"), 200).paths, [GOOD]);
      assert.equal((await throughProxy(t, GOOD)).status, 200);
      assert.equal((await throughProxy(t, "/never")).status, 404);
    });
  });

  test("GET /config gives back what was loaded, and loads again to the same", async () => {
    const text = config("/round-trip");
    await loaded(await adminRequest(t, "POST", "/config", text, "application/yaml"), "/round-trip");
    const exported = expect(await adminJson(t, "GET", "/config"), 200).config as string;
    assert.deepEqual(parse(exported).services[0].routes[0].paths, ["/round-trip"]);
    expect(await adminJson(t, "POST", "/config", { config: exported }), 201);
    assert.equal(expect(await adminJson(t, "GET", "/config"), 200).config, exported, "ids and timestamps are kept");
  });

  test("one load at a time: a second POST while a large one loads is Kong's 429 with Retry-After", async () => {
    const large = { _format_version: "3.0", consumers: Array.from({ length: 5000 }, (_, i) => ({ username: `user-${i}` })) };
    let settled = false;
    const first = adminJson(t, "POST", "/config", large).finally(() => (settled = true));
    let refused: AdminResponse | undefined;
    while (!settled && !refused) {
      const res = await adminRequest(t, "POST", "/config", config("/second"), "application/yaml");
      if (res.status === 429) refused = res;
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await first, 201);
    assert.ok(refused, "a load running while another was asked for");
    expect(refused, 429, { message: "Currently loading previous configuration" });
    assert.equal(refused.headers.get("retry-after"), "10");
    // The large one is what is loaded (unless a second one got in before it, then the large one replaced it).
    assert.equal(expect(await adminJson(t, "GET", "/services"), 200).data.length, 0);
    assert.equal(expect(await adminJson(t, "GET", "/consumers?size=1000"), 200).data.length, 1000);
    expect(await adminRequest(t, "POST", "/config", config("/second"), "application/yaml"), 201);
  });
});

test("a restarted DB-less node without declarative_config serves the configuration it was last given", async () => {
  const first = await startTether({ env: DB_LESS, keepPrefix: true });
  const text = config("/persisted");
  let again: Tether | undefined;
  try {
    expect(await adminRequest(first, "POST", "/config", text, "application/yaml"), 201);
    const exported = expect(await adminJson(first, "GET", "/config"), 200).config;
    assert.equal(await first.stop(), 0);
    again = await startTether({ env: DB_LESS, prefix: first.prefix });
    assert.equal((await status(again)).configuration_hash, md5(text));
    assert.equal(expect(await adminJson(again, "GET", "/config"), 200).config, exported);
    assert.equal((await throughProxy(again, "/persisted/x")).echo?.url, "/x");
  } finally {
    await again?.stop();
    rmSync(first.prefix, { recursive: true, force: true });
  }
});

describe("a DB-less node with --workers 2", () => {
  let t: Tether;
  const fileText = (): string => config("/from-file");

  function workerPids(): number[] {
    try {
      return execFileSync("pgrep", ["-P", String(t.process.pid)]).toString().trim().split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  before(async () => {
    t = await startTether({ env: { ...DB_LESS, TETHER_WORKERS: "2", TETHER_DECLARATIVE_CONFIG: writeFile("kong.yml", fileText()) } });
    await waitFor(async () => workerPids().length === 2, 10_000);
  });
  after(async () => {
    await t?.stop();
  });

  test("every worker serves the file, then follows a POST /config within seconds", async () => {
    await streak(t, "/from-file", 200, 20, 10_000);
    const text = config("/posted");
    expect(await adminRequest(t, "POST", "/config", text, "application/yaml"), 201);
    const ms = await streak(t, "/posted", 200);
    // The workers poll the file every db_update_frequency (0.2 s); the bound leaves room for a loaded CI machine.
    assert.ok(ms < 3_000, `all workers followed in ${ms} ms`);
    await streak(t, "/from-file", 404);
    assert.equal((await status(t)).configuration_hash, md5(text));
  });

  test("a worker started later (one died) serves the posted configuration too, not the file again", async () => {
    const [victim] = workerPids();
    process.kill(victim!, "SIGKILL");
    await waitFor(async () => {
      const pids = workerPids();
      return pids.length === 2 && !pids.includes(victim!);
    }, 10_000);
    await waitFor(async () => t.logs.filter((l) => l.msg === "proxy listening").length >= 6, 10_000);
    await streak(t, "/posted", 200, 40);
    const header = JSON.parse(readFileSync(join(t.prefix, "data", "config", "dbless.json"), "utf8").split("\n")[0]!);
    assert.equal(header.hash, md5(config("/posted")), "the kept configuration is still the posted one");
  });
});

test("a node with a database has no /config: Kong's 400", async () => {
  const t = await startTether();
  try {
    expect(await adminRequest(t, "POST", "/config", config("/x"), "application/yaml"), 400, NOT_DBLESS);
    expect(await adminJson(t, "GET", "/config"), 400, NOT_DBLESS);
    const body = await status(t);
    assert.deepEqual(body.database, { reachable: true });
    assert.ok(!("configuration_hash" in body));
  } finally {
    await t.stop();
  }
});
