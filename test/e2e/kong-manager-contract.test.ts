// Kong Manager OSS against Tether's Admin API, as a contract: each request Kong Manager makes on
// its overview, services, routes, consumers, plugins, certificates, CA certificates and SNIs pages
// (method, path, query, body), sent as the browser sends it (an `Origin`, credentials, a CORS
// preflight before anything but a simple request), and the fields Kong Manager reads from the
// answer. CI cannot fetch Kong Manager, so each test names where the request comes from:
// KM = Kong/kong-manager (the app), UI = Kong/public-ui-components (the @kong-ui-public/entities-*
// packages KM is built from; `packages/entities/…`). See docs/kong-manager.md.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { curl } from "../helpers/clients.ts";
import { startTether, type Tether } from "../helpers/tether.ts";

type Json = Record<string, any>;

/** Where KM is served from (its kconfig.js names the Admin API); any origin does without admin_gui_url. */
const ORIGIN = "http://127.0.0.1:8002";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let t: Tether;
let pki: TestPki;

before(async () => {
  pki = createPki();
  t = await startTether();
});
after(async () => {
  await t?.stop();
  rmSync(pki.dir, { recursive: true, force: true });
});

interface BrowserAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** What a browser checks before it lets a credentialed answer through to the page (Fetch standard, CORS check). */
function assertCorsReadable(headers: Headers, what: string): void {
  assert.equal(headers.get("access-control-allow-origin"), ORIGIN, `${what}: the Origin echoed, never *`);
  assert.equal(headers.get("access-control-allow-credentials"), "true", `${what}: credentials allowed`);
  assert.match(headers.get("vary") ?? "", /\bOrigin\b/i, `${what}: Vary: Origin`);
}

/**
 * A request as KM's axios instance sends it (UI packages/core/core/src/useAxios/index.ts:
 * `withCredentials: true`): with `Origin`, and, for anything but GET/HEAD, first the preflight
 * the browser sends (JSON bodies and PATCH/PUT/DELETE are not "simple"), which must allow it.
 */
async function browser(method: string, path: string, body?: unknown, token?: string): Promise<BrowserAnswer> {
  const url = `${t.admin}${path}`;
  const json = body !== undefined;
  if (method !== "GET" && method !== "HEAD") {
    const requested = [json ? "content-type" : "", token ? "authorization" : ""].filter(Boolean).join(",");
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": method, ...(requested ? { "access-control-request-headers": requested } : {}) },
    });
    assert.equal(preflight.status, 204, `preflight ${method} ${path}`);
    assertCorsReadable(preflight.headers, `preflight ${method} ${path}`);
    assert.ok((preflight.headers.get("access-control-allow-methods") ?? "").split(/,\s*/).includes(method), `preflight allows ${method} ${path}`);
    if (requested) assert.equal(preflight.headers.get("access-control-allow-headers"), requested, `preflight echoes the headers asked for`);
  }
  const res = await fetch(url, {
    method,
    headers: {
      origin: ORIGIN,
      accept: "application/json, text/plain, */*",
      ...(json ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(json ? { body: JSON.stringify(body) } : {}),
  });
  assertCorsReadable(res.headers, `${method} ${path}`);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

function ok(res: BrowserAnswer, status: number): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A list page's request (UI entities-shared/src/composables/useFetchUrlBuilder.ts, OSS: `isExactMatch`,
 * no sort): `?size=` and, past the first page, `&offset=`; KM reads `data` and `offset`
 * (UI entities-shared/src/composables/useFetcher.ts).
 */
async function listPage(path: string, size: number, offset?: string): Promise<{ data: Json[]; offset: string | undefined; next: string | null }> {
  const body = ok(await browser("GET", `${path}?size=${size}${offset ? `&offset=${encodeURIComponent(offset)}` : ""}`), 200);
  assert.ok(Array.isArray(body.data), `${path}: data is a list`);
  assert.ok(body.next === null || typeof body.next === "string", `${path}: next`);
  return body;
}

/** Every item of a list, page by page, as KM's table pages through it. */
async function allPages(path: string, size: number): Promise<Json[]> {
  const items: Json[] = [];
  let page = await listPage(path, size);
  items.push(...page.data);
  for (let i = 0; page.offset !== undefined; i++) {
    assert.ok(i < 100, "paging terminates");
    assert.equal(typeof page.next, "string", "a page with an offset has a next");
    page = await listPage(path, size, page.offset);
    items.push(...page.data);
  }
  assert.equal(page.next, null, "the last page has next: null");
  return items;
}

/** A form's picker (UI entities-shared/src/composables/useDebouncedFilter.ts): `?size=1000`, reads `data` and `next`. */
async function picker(path: string): Promise<Json[]> {
  const body = ok(await browser("GET", `${path}?size=1000`), 200);
  assert.equal(body.next, null, `${path}: everything in one page`);
  return body.data;
}

/** Kong's schema-violation answer, which KM shows at the field (UI entities-shared/src/composables/useErrors.ts reads `message`). */
function assertFieldError(body: Json, fields: Json): void {
  assert.equal(body.code, 2);
  assert.equal(body.name, "schema violation");
  assert.equal(typeof body.message, "string");
  assert.deepEqual(body.fields, fields);
}

describe("overview (KM src/stores/info.ts getInfo, src/pages/overview/Overview.vue)", () => {
  test("GET / : the open-source edition, with the listeners, datastore and plugins KM shows", async () => {
    const info = ok(await browser("GET", "/"), 200);
    // src/stores/info.ts: kongEdition; "community" sends KM down the OSS paths (exact-match lists,
    // no sort_by, plugins read from GET / rather than the Enterprise GET /kong).
    assert.equal(info.edition, "community");
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof info.hostname, "string");
    assert.equal(typeof info.tagline, "string");
    const config = info.configuration;
    // Overview.vue: admin_listen[0], proxy_listeners/admin_gui_listeners .find(l => l.ssl / !l.ssl).port,
    // database (=== 'postgres' shows pg_user/pg_host/pg_port/pg_ssl); info.ts: role for hybrid mode.
    assert.match(config.admin_listen[0], /^127\.0\.0\.1:\d+/);
    const proxy = config.proxy_listeners as Json[];
    assert.equal(proxy.length, 2);
    for (const l of proxy) {
      assert.deepEqual(Object.keys(l).sort(), ["bind", "deferred", "http2", "ip", "listener", "port", "proxy_protocol", "reuseport", "ssl"]);
      assert.equal(typeof l.port, "number");
    }
    assert.ok(proxy.some((l) => !l.ssl) && proxy.some((l) => l.ssl && l.http2), "a plain and a TLS proxy listener");
    assert.equal(config.admin_listeners[0].ip, "127.0.0.1");
    assert.equal(config.status_listeners.length, 1);
    assert.ok(Array.isArray(config.admin_gui_listeners));
    assert.equal(config.database, "sqlite");
    assert.equal(config.role, "traditional");
    // src/pages/routes/Form.vue, List.vue: the expressions editor only for router_flavor 'expressions'.
    assert.equal(config.router_flavor, "traditional_compatible");
    assert.ok(Array.isArray(config.admin_gui_url));
    assert.equal(config.admin_gui_path, "/");
    assert.equal(config.pg_password, null, "unset: null; set: ******");
    // stores/info.ts plugins getter: available_on_server (a map) and enabled_in_cluster (a list).
    assert.ok(!Array.isArray(info.plugins.available_on_server));
    assert.deepEqual(Object.keys(info.plugins.available_on_server["openid-connect"]).sort(), ["priority", "version"]);
    assert.ok(Array.isArray(info.plugins.enabled_in_cluster));
  });

  test("without an Origin (curl): `*` and no credentials, Kong's answer minus the pair browsers refuse", async () => {
    const res = await curl(`${t.admin}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], "*");
    assert.equal(res.headers["access-control-allow-credentials"], undefined);
  });
});

describe("gateway services (KM src/pages/services/*.vue; UI entities-gateway-services)", () => {
  const names = [0, 1, 2].map((i) => `km-svc-${i}-${randomUUID().slice(0, 8)}`);
  let created: Json;

  test("create (GatewayServiceForm.vue: its certificate pickers, then POST /services)", async () => {
    await picker("/certificates");
    await picker("/ca_certificates");
    created = ok(await browser("POST", "/services", { name: names[0], protocol: "http", host: "a.internal", port: 80, path: "/", enabled: true }), 201);
    assert.match(created.id, UUID);
    for (const name of names.slice(1)) ok(await browser("POST", "/services", { name, url: "http://b.internal:8080/x" }), 201);
  });

  test("a field error comes back at its field (GatewayServiceForm.vue shows `message`)", async () => {
    const body = ok(await browser("POST", "/services", { name: `bad-${randomUUID()}`, protocol: "http", host: "bad host", port: 80 }), 400);
    assertFieldError(body, { host: "invalid hostname" });
  });

  test("list, page by page (GatewayServiceList.vue → useFetcher)", async () => {
    const seen = (await allPages("/services", 2)).map((s) => s.name);
    for (const name of names) assert.ok(seen.includes(name), name);
    const first = await listPage("/services", 2);
    assert.equal(first.data.length, 2);
    assert.equal(typeof first.offset, "string", "KM pages on `offset`");
  });

  test("search: OSS exact match is GET /services/{query}; a miss is 404, which KM shows as no results", async () => {
    const found = ok(await browser("GET", `/services/${names[1]}`), 200);
    assert.equal(found.name, names[1]);
    assert.deepEqual(ok(await browser("GET", `/services/${randomUUID()}`), 404), { message: "Not found" });
    assert.equal((await browser("GET", "/services/no-such-service")).status, 404);
  });

  test("detail and edit (Detail.vue findRecord, EntityBaseForm.vue fetch, then PATCH)", async () => {
    const record = ok(await browser("GET", `/services/${created.id}`), 200);
    assert.equal(record.name, names[0]);
    const edited = ok(await browser("PATCH", `/services/${created.id}`, { host: "edited.internal", retries: 3 }), 200);
    assert.equal(edited.host, "edited.internal");
    assert.equal(edited.retries, 3);
  });

  test("the list's enable switch PATCHes the whole row it shows (GatewayServiceList.vue toggle)", async () => {
    const row = (await allPages("/services", 100)).find((s) => s.id === created.id)!;
    const toggled = ok(await browser("PATCH", `/services/${created.id}`, { ...row, enabled: false }), 200);
    assert.equal(toggled.enabled, false);
    assert.equal(toggled.host, "edited.internal");
  });

  test("delete (GatewayServiceList.vue deleteRow): 204, then gone", async () => {
    assert.equal((await browser("DELETE", `/services/${names[2]}`)).status, 204);
    assert.equal((await browser("GET", `/services/${names[2]}`)).status, 404);
  });
});

describe("routes (KM src/pages/routes/*.vue; UI entities-routes)", () => {
  let service: Json;
  let route: Json;

  before(async () => {
    service = ok(await browser("POST", "/services", { name: `km-rt-svc-${randomUUID().slice(0, 8)}`, host: "r.internal" }), 201);
  });

  test("create (RouteForm.vue: its service picker, then POST /routes or /services/{id}/routes)", async () => {
    assert.ok((await picker("/services")).some((s) => s.id === service.id));
    route = ok(await browser("POST", "/routes", {
      name: `km-route-${randomUUID().slice(0, 8)}`,
      protocols: ["http", "https"],
      paths: ["/km"],
      service: { id: service.id },
      strip_path: true,
    }), 201);
    assert.equal(route.service.id, service.id);
    const nested = ok(await browser("POST", `/services/${service.id}/routes`, { paths: ["/km-nested"] }), 201);
    assert.equal(nested.service.id, service.id);
  });

  test("a field error comes back at its field", async () => {
    const body = ok(await browser("POST", "/routes", { protocols: ["http"], paths: ["no-slash"], service: { id: service.id } }), 400);
    assert.equal(body.name, "schema violation");
    assert.ok(Array.isArray(body.fields.paths), JSON.stringify(body.fields));
  });

  test("lists: all routes and a service's routes (RouteList.vue → useFetcher)", async () => {
    assert.ok((await allPages("/routes", 1)).some((r) => r.id === route.id));
    assert.equal((await allPages(`/services/${service.id}/routes`, 1)).length, 2);
  });

  test("detail (RouteConfigCard.vue): the route, and its service by id", async () => {
    assert.equal(ok(await browser("GET", `/routes/${route.name}`), 200).id, route.id);
    assert.equal(ok(await browser("GET", `/services/${service.id}/routes/${route.id}`), 200).id, route.id);
    assert.equal(ok(await browser("GET", `/services/${route.service.id}`), 200).name, service.name);
    assert.deepEqual(await allPages(`/routes/${route.id}/plugins`, 30), []);
  });

  test("edit and delete", async () => {
    assert.deepEqual(ok(await browser("PATCH", `/routes/${route.id}`, { paths: ["/km-edited"] }), 200).paths, ["/km-edited"]);
    assert.equal((await browser("DELETE", `/routes/${route.id}`)).status, 204);
    assert.equal((await browser("GET", `/routes/${route.id}`)).status, 404);
  });
});

describe("consumers (KM src/pages/consumers/*.vue; UI entities-consumers)", () => {
  const username = `km-user-${randomUUID().slice(0, 8)}`;
  let consumer: Json;

  test("create (ConsumerForm.vue POST /consumers), and Kong's error when neither name is given", async () => {
    consumer = ok(await browser("POST", "/consumers", { username, custom_id: `cid-${username}`, tags: ["km"] }), 201);
    assert.match(consumer.id, UUID);
    const body = ok(await browser("POST", "/consumers", { tags: ["km"] }), 400);
    assert.equal(body.name, "schema violation");
    assert.equal(typeof body.message, "string");
  });

  test("list and exact search by username (ConsumerList.vue)", async () => {
    assert.ok((await allPages("/consumers", 1)).some((c) => c.id === consumer.id));
    assert.equal(ok(await browser("GET", `/consumers/${username}`), 200).id, consumer.id);
    // Detail.vue's plugins tab (UI entities-plugins PluginList.vue, `forEntity`).
    assert.deepEqual(await allPages(`/consumers/${consumer.id}/plugins`, 30), []);
  });

  test("edit and delete", async () => {
    assert.equal(ok(await browser("PATCH", `/consumers/${consumer.id}`, { custom_id: "edited" }), 200).custom_id, "edited");
    assert.equal((await browser("DELETE", `/consumers/${consumer.id}`)).status, 204);
    assert.equal((await browser("GET", `/consumers/${username}`)).status, 404);
  });
});

describe("plugins (KM src/pages/plugins/*.vue; UI entities-plugins)", () => {
  let service: Json;
  let plugin: Json;
  const config = { http_endpoint: "http://127.0.0.1:9/log" };

  before(async () => {
    service = ok(await browser("POST", "/services", { name: `km-pl-svc-${randomUUID().slice(0, 8)}`, host: "p.internal" }), 201);
  });

  test("picker (PluginSelect.vue, edition community: availablePluginsForOss is GET /; the entity's plugins)", async () => {
    const info = ok(await browser("GET", "/"), 200);
    const available = Object.keys(info.plugins.available_on_server);
    for (const name of ["openid-connect", "mtls-auth", "http-log"]) assert.ok(available.includes(name), name);
    assert.deepEqual(ok(await browser("GET", `/services/${service.id}/plugins`), 200).data, []);
  });

  test("form schema (PluginForm.vue: GET /schemas/plugins/{name}, the field keyed `config` of `fields`)", async () => {
    for (const name of ["http-log", "openid-connect", "mtls-auth"]) {
      const schema = ok(await browser("GET", `/schemas/plugins/${name}`), 200);
      assert.ok(Array.isArray(schema.fields), name);
      for (const entry of schema.fields) assert.equal(Object.keys(entry).length, 1, `${name}: each field is { name: spec }`);
      const configField = schema.fields.find((f: Json) => f.config)?.config;
      assert.equal(configField?.type, "record", name);
      assert.ok(Array.isArray(configField.fields) && configField.fields.length > 0, name);
      assert.ok(schema.fields.some((f: Json) => f.protocols), `${name}: protocols`);
    }
    const httpLog = ok(await browser("GET", "/schemas/plugins/http-log"), 200).fields.find((f: Json) => f.config).config;
    const endpoint = httpLog.fields.find((f: Json) => f.http_endpoint)?.http_endpoint;
    assert.equal(endpoint.required, true);
    assert.equal((await browser("GET", "/schemas/plugins/no-such-plugin")).status, 404);
  });

  test("scope pickers (FieldScopedEntitySelect.vue via PluginEntityForm.vue): peek, search, get one", async () => {
    const peek = ok(await browser("GET", "/services?size=50"), 200);
    assert.ok(Array.isArray(peek.data) && "next" in peek);
    // OSS Kong ignores `name` here: the full list comes back and KM filters it.
    assert.ok(ok(await browser("GET", `/services?name=${service.name}&size=1000`), 200).data.some((s: Json) => s.id === service.id));
    assert.equal(ok(await browser("GET", `/services/${service.id}`), 200).name, service.name);
    assert.ok(Array.isArray(ok(await browser("GET", "/routes?size=50"), 200).data));
    assert.ok(Array.isArray(ok(await browser("GET", "/consumers?size=50"), 200).data));
  });

  test("create: a config error comes back under fields.config.<field>, then POST succeeds (PluginForm.vue submit)", async () => {
    const invalid = ok(await browser("POST", "/plugins", { name: "http-log", config: {}, service: { id: service.id }, protocols: ["http", "https"] }), 400);
    assertFieldError(invalid, { config: { http_endpoint: "required field missing" } });
    plugin = ok(await browser("POST", "/plugins", { name: "http-log", config, service: { id: service.id }, protocols: ["http", "https"], enabled: true }), 201);
    assert.equal(plugin.service.id, service.id);
    const scoped = ok(await browser("POST", `/services/${service.id}/plugins`, { name: "file-log", config: { path: "/tmp/km-contract.log" } }), 201);
    assert.equal(scoped.service.id, service.id);
  });

  test("list, edit (PATCH), the enable switch, delete (PluginList.vue)", async () => {
    assert.ok((await allPages("/plugins", 1)).some((p) => p.id === plugin.id));
    assert.equal((await allPages(`/services/${service.id}/plugins`, 100)).length, 2);
    assert.equal(ok(await browser("GET", `/plugins/${plugin.id}`), 200).name, "http-log");
    const edited = ok(await browser("PATCH", `/plugins/${plugin.id}`, { config: { ...config, timeout: 5000 } }), 200);
    assert.equal(edited.config.timeout, 5000);
    const row = (await allPages("/plugins", 100)).find((p) => p.id === plugin.id)!;
    assert.equal(ok(await browser("PATCH", `/plugins/${plugin.id}`, { ...row, enabled: false }), 200).enabled, false);
    assert.equal((await browser("DELETE", `/plugins/${plugin.id}`)).status, 204);
    assert.equal((await browser("GET", `/plugins/${plugin.id}`)).status, 404);
  });

  test("openid-connect form: records the user left alone come filled with their defaults (entities-plugins unFlattenObject)", async () => {
    // The form fills every field that has a default from GET /schemas/plugins/openid-connect and
    // sends each record whole, so an untouched optional record arrives without its required fields.
    const schema = ok(await browser("GET", "/schemas/plugins/openid-connect"), 200);
    const configFields: Json[] = schema.fields.find((f: Json) => f.config).config.fields;
    const fromHeader = configFields.find((f) => f.proof_of_possession_mtls_from_header)!.proof_of_possession_mtls_from_header;
    const untouched = Object.fromEntries(
      (fromHeader.fields as Json[]).map((f) => Object.entries(f)[0] as [string, Json]).filter(([, spec]) => spec.default !== undefined).map(([name, spec]) => [name, spec.default]),
    );
    assert.ok(Object.keys(untouched).length > 0 && !("certificate_header_name" in untouched));
    const config = { issuer: "https://idp.example.test/", auth_methods: ["bearer"], proof_of_possession_mtls: "strict", proof_of_possession_mtls_from_header: untouched };
    const created = ok(await browser("POST", "/plugins", { name: "openid-connect", config, service: { id: service.id } }), 201);
    assert.equal(created.config.proof_of_possession_mtls_from_header, null);
    const edited = ok(await browser("PATCH", `/plugins/${created.id}`, { ...created, config: { ...config, scopes_required: ["read"] } }), 200);
    assert.deepEqual([edited.config.proof_of_possession_mtls_from_header, edited.config.scopes_required], [null, ["read"]]);
    // A record the user did fill in is judged whole, as Kong judges it.
    const half = ok(await browser("PATCH", `/plugins/${created.id}`, { config: { proof_of_possession_mtls_from_header: { ...untouched, certificate_header_name: "X-Client-Cert" } } }), 400);
    assertFieldError(half, { config: { proof_of_possession_mtls_from_header: { ca_certificates: "required field missing" } } });
    assert.equal((await browser("DELETE", `/plugins/${created.id}`)).status, 204);
  });

  test("GET /plugins/enabled lists what the node can run", async () => {
    assert.ok(ok(await browser("GET", "/plugins/enabled"), 200).enabled_plugins.includes("http-log"));
  });
});

describe("certificates, CA certificates and SNIs (KM src/pages/{certificates,ca-certificates,snis}; UI entities-certificates, entities-snis)", () => {
  let certificate: Json;
  let ca: Json;
  let sni: Json;

  test("certificates: create with SNIs, a field error, list, lookup by SNI, edit (CertificateForm.vue, CertificateList.vue)", async () => {
    const bad = ok(await browser("POST", "/certificates", { cert: "not a certificate", key: pki.server.key }), 400);
    assert.equal(bad.name, "schema violation");
    assert.ok(bad.fields.cert, JSON.stringify(bad.fields));
    certificate = ok(await browser("POST", "/certificates", { cert: pki.server.cert, key: pki.server.key, snis: ["km.tether.test"] }), 201);
    assert.deepEqual(certificate.snis, ["km.tether.test"]);
    assert.ok((await allPages("/certificates", 1)).some((c) => c.id === certificate.id));
    assert.equal(ok(await browser("GET", "/certificates/km.tether.test"), 200).id, certificate.id);
    assert.deepEqual(ok(await browser("PATCH", `/certificates/${certificate.id}`, { tags: ["km"] }), 200).tags, ["km"]);
  });

  test("CA certificates: create, a field error, list, edit, delete (CACertificateForm.vue, CACertificateList.vue)", async () => {
    const bad = ok(await browser("POST", "/ca_certificates", { cert: pki.server.cert }), 400);
    assert.equal(bad.name, "schema violation");
    ca = ok(await browser("POST", "/ca_certificates", { cert: pki.ca.cert }), 201);
    assert.ok((await allPages("/ca_certificates", 1)).some((c) => c.id === ca.id));
    assert.deepEqual(ok(await browser("PATCH", `/ca_certificates/${ca.id}`, { tags: ["km"] }), 200).tags, ["km"]);
    assert.equal((await browser("DELETE", `/ca_certificates/${ca.id}`)).status, 204);
  });

  test("SNIs: the certificate picker, create, list, exact search, edit, delete (SniForm.vue, SniList.vue)", async () => {
    assert.ok((await picker("/certificates")).some((c) => c.id === certificate.id));
    sni = ok(await browser("POST", "/snis", { name: "km2.tether.test", certificate: { id: certificate.id } }), 201);
    assert.ok((await allPages("/snis", 1)).some((s) => s.id === sni.id));
    assert.equal(ok(await browser("GET", "/snis/km2.tether.test"), 200).id, sni.id);
    assert.equal(ok(await browser("PATCH", `/snis/${sni.id}`, { name: "km3.tether.test" }), 200).name, "km3.tether.test");
    const taken = ok(await browser("POST", "/snis", { name: "km.tether.test", certificate: { id: certificate.id } }), 409);
    assert.equal(taken.name, "unique constraint violation");
    assert.equal((await browser("DELETE", `/snis/${sni.id}`)).status, 204);
    assert.equal((await browser("DELETE", `/certificates/${certificate.id}`)).status, 204);
  });
});

describe("keys and key sets (KM src/pages/{keys,key-sets}; UI entities-keys, entities-key-sets)", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = ec.publicKey.export({ type: "spki", format: "pem" }) as string;

  test("a key set, its keys page by page, the nested list, a field error, and the set's delete taking its keys", async () => {
    const preflight = await fetch(`${t.admin}/key-sets`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    const set = ok(await browser("POST", "/key-sets", { name: "km-set" }), 201);
    const jwk = JSON.stringify({ ...ec.publicKey.export({ format: "jwk" }), kid: "km-1" });
    const key = ok(await browser("POST", "/keys", { name: "km-jwk", kid: "km-1", jwk, set: { id: set.id } }), 201);
    ok(await browser("POST", `/key-sets/${set.id}/keys`, { name: "km-pem", kid: "km-2", pem: { public_key: publicPem } }), 201);
    const bad = ok(await browser("POST", "/keys", { kid: "km-3", jwk }), 400);
    assert.equal(bad.message, "schema violation (kid in jwk.kid must be equal to keys.kid)");
    assert.deepEqual((await allPages("/keys", 1)).map((k) => k.name).sort(), ["km-jwk", "km-pem"]);
    assert.deepEqual((await allPages("/key-sets", 1)).map((s) => s.id), [set.id]);
    assert.deepEqual((await allPages(`/key-sets/${set.id}/keys`, 1)).map((k) => k.name).sort(), ["km-jwk", "km-pem"]);
    assert.equal(ok(await browser("GET", `/keys/${key.id}`), 200).jwk, jwk);
    assert.equal((await browser("GET", `/key-sets/${randomUUID()}/keys`)).status, 404);
    assert.equal((await browser("DELETE", `/key-sets/${set.id}`)).status, 204);
    assert.deepEqual(await listPage("/keys", 30), { data: [], next: null });
  });
});

describe("with admin_token: the preflight goes without it, everything else needs it", () => {
  const TOKEN = `km-${randomUUID()}`;
  let secured: Tether;
  let open: Tether;

  before(async () => {
    secured = await startTether({ env: { TETHER_ADMIN_TOKEN: TOKEN } });
    open = t;
    t = secured;
  });
  after(async () => {
    t = open;
    await secured?.stop();
  });

  test("OPTIONS answers without the token and gives nothing away; the request itself is refused without it", async () => {
    const preflight = await fetch(`${secured.admin}/services`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(await preflight.text(), "");
    assertCorsReadable(preflight.headers, "preflight");
    assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization");
    // The 401 is readable by the page (it carries the CORS headers), so KM can say why.
    const refused = await fetch(`${secured.admin}/`, { headers: { origin: ORIGIN } });
    assert.equal(refused.status, 401);
    assertCorsReadable(refused.headers, "401");
    assert.deepEqual(await refused.json(), { message: "Unauthorized" });
  });

  test("with the token KM works, and GET / never shows it", async () => {
    const info = ok(await browser("GET", "/", undefined, TOKEN), 200);
    assert.equal(info.configuration.admin_token, "******");
    assert.ok(!JSON.stringify(info).includes(TOKEN));
    ok(await browser("POST", "/consumers", { username: "km-token" }, TOKEN), 201);
    assert.equal((await browser("DELETE", "/consumers/km-token", undefined, TOKEN)).status, 204);
  });
});
