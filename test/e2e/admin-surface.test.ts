// The Admin API's surface beyond CRUD (reference 1.1, 1.3, 1.5, 1.6, 1.8), against one real
// `tether start` process: HEAD/OPTIONS/405/404 and the headers on every answer (with `curl -I`
// and `curl -X OPTIONS` as users probe them), tag filters and paging, /tags, /endpoints, the
// schema endpoints, entities reached through a foreign key, and GET / and /status.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { curl, type CliResponse } from "../helpers/clients.ts";
import { adminJson, adminRequest, startTether, type AdminResponse, type Tether } from "../helpers/tether.ts";

type Json = Record<string, any>;
type Res = AdminResponse;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_FOUND = { message: "Not found" };
const NOT_ALLOWED = { message: "Method not allowed" };
const ISSUER = "https://idp.example/realms/surface";

let t: Tether;

before(async () => {
  t = await startTether();
});

after(async () => {
  await t?.stop();
});

function check(res: Res | CliResponse, status: number, body?: unknown): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (body !== undefined) assert.deepEqual(res.body, body);
  return res.body;
}

const json = (method: string, path: string, body?: unknown): Promise<Res> => adminJson(t, method, path, body);
const url = (path: string): string => `${t.admin}${path}`;
const header = (res: Res | CliResponse, name: string): string | null =>
  "raw" in res ? (res.headers[name.toLowerCase()] ?? null) : res.headers.get(name);

function invalidOption(reason: string): Json {
  return { code: 11, name: "invalid options", message: `invalid option (tags: ${reason})`, options: { tags: reason } };
}

/** Follows `next` from `first` to the last page; returns every item and every `next` seen. */
async function follow(first: string): Promise<{ items: Json[]; nexts: string[] }> {
  const items: Json[] = [];
  const nexts: string[] = [];
  let next: string | null = first;
  for (let i = 0; next !== null; i++) {
    assert.ok(i < 200, "paging terminates");
    const page: Json = check(await json("GET", next), 200);
    items.push(...page.data);
    if (page.next === null) assert.ok(!("offset" in page), "the last page has no offset key");
    else {
      assert.equal(new URLSearchParams(page.next.split("?")[1]).get("offset"), page.offset);
      nexts.push(page.next);
    }
    next = page.next;
  }
  return { items, nexts };
}

describe("every answer: JSON, CORS, Server and X-Kong-Admin-Latency", () => {
  test("success, created, no content and each kind of error carry the same headers", async () => {
    const name = `hdr-${randomUUID()}`;
    const answers: [string, Res][] = [
      ["GET /", await json("GET", "/")],
      ["POST /services", await json("POST", "/services", { name, host: "h.example" })],
      ["DELETE /services/{name}", await json("DELETE", `/services/${name}`)],
      ["400", await json("POST", "/services", {})],
      ["404", await json("GET", "/no-such-path")],
      ["405", await json("POST", "/status")],
      ["OPTIONS", await json("OPTIONS", "/services")],
      ["code 11", await json("GET", "/services?tags=")],
    ];
    const version = (check(await json("GET", "/"), 200) as Json).tether_version as string;
    for (const [what, res] of answers) {
      assert.equal(header(res, "access-control-allow-origin"), "*", what);
      // No Origin (not a browser): `*`, and never with Allow-Credentials (kong-manager-contract.test.ts has the browser's side).
      assert.equal(header(res, "access-control-allow-credentials"), null, what);
      assert.equal(header(res, "server"), `tether/${version}`, what);
      assert.match(header(res, "x-kong-admin-latency") ?? "", /^\d+$/, what);
      if (res.status !== 204) assert.equal(header(res, "content-type"), "application/json; charset=utf-8", what);
    }
  });
});

describe("HEAD, OPTIONS, 405 and 404 (reference 1.1)", () => {
  let serviceName: string;
  before(async () => {
    serviceName = `verbs-${randomUUID()}`;
    check(await json("POST", "/services", { name: serviceName, host: "verbs.example" }), 201);
  });

  /** The headers a GET and a HEAD must share (the rest is per connection or per request). */
  const comparable = (headers: Record<string, string>): Record<string, string> => {
    const { date: _d, "x-kong-admin-latency": _l, connection: _c, "keep-alive": _k, ...rest } = headers;
    return rest;
  };

  test("curl -I: HEAD answers every GET with its status and headers and no body", async () => {
    for (const path of ["/", "/status", "/services", `/services/${serviceName}`, "/endpoints", "/schemas/services", "/tags"]) {
      const get = await curl(url(path));
      const head = await curl("-I", url(path));
      check(get, 200);
      check(head, 200);
      assert.equal(head.body, undefined, `${path}: HEAD has no body`);
      assert.deepEqual(comparable(head.headers), comparable(get.headers), path);
      assert.equal(head.headers["content-type"], "application/json; charset=utf-8", path);
    }
    const missing = await curl("-I", url("/services/no-such-service"));
    check(missing, 404);
    assert.equal(missing.body, undefined);
    assert.equal((await curl("-I", url("/no-such-path"))).status, 404);
  });

  test("curl -X OPTIONS: 204, Allow and Access-Control-Allow-Methods list the path's methods", async () => {
    for (const [path, allow] of [
      ["/", "GET, HEAD, OPTIONS"],
      ["/status", "GET, HEAD, OPTIONS"],
      ["/services", "GET, HEAD, OPTIONS, POST"],
      [`/services/${serviceName}`, "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"],
      [`/services/${serviceName}/routes`, "GET, HEAD, OPTIONS, POST"],
      ["/routes/any/service", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"],
      ["/plugins/enabled", "GET, HEAD, OPTIONS"],
      ["/schemas/plugins/validate", "OPTIONS, POST"],
      ["/schemas/services/validate", "OPTIONS, POST"],
      ["/tags/some-tag", "GET, HEAD, OPTIONS"],
      [`/mtls-auths/${randomUUID()}/consumer`, "GET, HEAD, OPTIONS"],
    ] as const) {
      const res = await curl("-X", "OPTIONS", url(path));
      check(res, 204);
      assert.equal(res.body, undefined, path);
      assert.equal(res.headers["allow"], allow, path);
      assert.equal(res.headers["access-control-allow-methods"], allow, path);
      assert.equal(res.headers["access-control-allow-headers"], "Content-Type, Authorization", path);
      assert.equal(res.headers["access-control-allow-origin"], "*", path);
    }
    check(await curl("-X", "OPTIONS", url("/no-such-path")), 404, NOT_FOUND);
  });

  test("a method the path does not serve: 405 with Kong's body and Allow", async () => {
    for (const [method, path, allow] of [
      ["POST", "/status", "GET, HEAD, OPTIONS"],
      ["DELETE", "/", "GET, HEAD, OPTIONS"],
      ["PUT", "/services", "GET, HEAD, OPTIONS, POST"],
      ["POST", `/services/${serviceName}`, "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"],
      ["GET", "/schemas/services/validate", "OPTIONS, POST"],
      ["DELETE", "/tags", "GET, HEAD, OPTIONS"],
      ["POST", "/endpoints", "GET, HEAD, OPTIONS"],
      ["PATCH", `/mtls-auths/${randomUUID()}/consumer`, "GET, HEAD, OPTIONS"],
    ] as const) {
      const res = await json(method, path);
      check(res, 405, NOT_ALLOWED);
      assert.equal(res.headers.get("allow"), allow, `${method} ${path}`);
    }
    const viaCurl = await curl("-X", "PUT", url("/services"));
    check(viaCurl, 405, NOT_ALLOWED);
    assert.equal(viaCurl.headers["allow"], "GET, HEAD, OPTIONS, POST");
  });

  test("an unknown path: 404 Not found, whatever the method", async () => {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"])
      for (const path of ["/no-such-path", "/services/x/no-such-path", "/schemas", "/tags/a/b"])
        check(await json(method, path), 404, NOT_FOUND);
  });
});

describe("tag filters and paging (reference 1.5)", () => {
  const tag = (name: string): string => `surf-${name}`;
  const ids: Record<string, string> = {};

  before(async () => {
    // a: [red]  b: [red, blue]  c: [blue]  d: [green]  e: untagged
    const tagsOf: Record<string, string[] | undefined> = {
      a: [tag("red")],
      b: [tag("red"), tag("blue")],
      c: [tag("blue")],
      d: [tag("green")],
      e: undefined,
    };
    for (const [name, tags] of Object.entries(tagsOf)) {
      const svc = check(await json("POST", "/services", { name: `tagged-${name}`, host: "t.example", ...(tags ? { tags } : {}) }), 201);
      ids[name] = svc.id;
    }
    // paging material: 7 services with one tag
    for (let i = 0; i < 7; i++)
      check(await json("POST", "/services", { name: `paged-${i}`, host: "p.example", tags: [tag("page"), `n${i}`] }), 201);
  });

  const namesOf = async (query: string): Promise<string[]> =>
    (check(await json("GET", `/services?size=1000&${query}`), 200) as Json).data.map((s: Json) => s.name).sort();

  test("?tags=a; a,b is AND; a/b is OR", async () => {
    assert.deepEqual(await namesOf(`tags=${tag("red")}`), ["tagged-a", "tagged-b"]);
    assert.deepEqual(await namesOf(`tags=${tag("red")},${tag("blue")}`), ["tagged-b"]);
    assert.deepEqual(await namesOf(`tags=${tag("red")}/${tag("blue")}`), ["tagged-a", "tagged-b", "tagged-c"]);
    assert.deepEqual(await namesOf(`tags=${tag("red")}/${tag("green")}/${tag("none")}`), ["tagged-a", "tagged-b", "tagged-d"]);
    assert.deepEqual(await namesOf(`tags=${tag("none")}`), []);
    // URL-encoded separators are the same filter
    assert.deepEqual(await namesOf(`tags=${tag("red")}%2F${tag("blue")}`), ["tagged-a", "tagged-b", "tagged-c"]);
    assert.deepEqual(check(await json("GET", `/services?tags=${tag("none")}`), 200), { data: [], next: null });
  });

  test("Kong's code 11 for a bad filter; size (code 9) is checked first", async () => {
    check(await json("GET", "/services?tags="), 400, invalidOption("cannot be null"));
    check(await json("GET", "/routes?tags="), 400, invalidOption("cannot be null"));
    check(await json("GET", "/services?tags=a,b/c"), 400, invalidOption("invalid filter syntax"));
    check(await json("GET", "/services?tags=a//b"), 400, invalidOption("invalid filter syntax"));
    check(await json("GET", "/services?tags=a%09b"), 400, invalidOption("invalid filter syntax"));
    check(await json("GET", "/services?tags=1,2,3,4,5,6"), 400, invalidOption("cannot query more than 5 tags"));
    check(await json("GET", "/services?tags=1/2/3/4/5/6"), 400, invalidOption("cannot query more than 5 tags"));
    check(await json("GET", "/services?tags=1,2,3,4,5"), 200);
    check(await json("GET", "/services?size=0&tags="), 400, { code: 9, name: "invalid size", message: "size must be an integer between 1 and 1000" });
  });

  test("next keeps tags and size; every page but the last is full; each match exactly once", async () => {
    const { items, nexts } = await follow(`/services?tags=${tag("page")}&size=2`);
    assert.deepEqual(items.map((s) => s.name).sort(), [0, 1, 2, 3, 4, 5, 6].map((i) => `paged-${i}`));
    assert.equal(nexts.length, 3);
    for (const next of nexts) assert.match(next, /^\/services\?offset=[^&]+&tags=surf-page&size=2$/);
    // an OR filter is carried escaped, as nginx's escape_uri writes it
    const first = check(await json("GET", `/services?tags=${tag("red")}/${tag("blue")}&size=1`), 200);
    assert.equal(first.data.length, 1);
    assert.match(first.next, /^\/services\?offset=[^&]+&tags=surf-red%2Fsurf-blue&size=1$/);
    const all = await follow(`/services?tags=${tag("red")}/${tag("blue")}&size=1`);
    assert.deepEqual(all.items.map((s) => s.name).sort(), ["tagged-a", "tagged-b", "tagged-c"]);
    // without tags, next has no tags
    const plain = check(await json("GET", "/services?size=1"), 200);
    assert.match(plain.next, /^\/services\?offset=[^&]+&size=1$/);
  });

  test("nested collections ignore tags (and carry neither tags nor size in next)", async () => {
    const svc = `nested-${randomUUID()}`;
    check(await json("POST", "/services", { name: svc, host: "n.example" }), 201);
    for (const n of [1, 2, 3]) check(await json("POST", `/services/${svc}/routes`, { paths: [`/n${n}`], tags: n === 1 ? [tag("route")] : null }), 201);
    for (const query of [`tags=${tag("route")}`, "tags=", "tags=a,b/c", "tags=1,2,3,4,5,6"])
      assert.equal((check(await json("GET", `/services/${svc}/routes?${query}`), 200) as Json).data.length, 3, query);
    const page = check(await json("GET", `/services/${svc}/routes?size=1&tags=${tag("route")}`), 200);
    assert.match(page.next, new RegExp(`^/services/${svc}/routes\\?offset=[^&]+$`));
    // the top-level list does filter
    assert.equal((check(await json("GET", `/routes?tags=${tag("route")}`), 200) as Json).data.length, 1);
  });

  test("a bad offset is code 7; an offset is opaque but round-trips", async () => {
    check(await json("GET", "/services?offset=%21%21"), 400, {
      code: 7,
      name: "invalid offset",
      message: "'!!' is not a valid offset: bad base64 encoding",
    });
    check(await json("GET", "/services?offset=YWJj"), 400, {
      code: 7,
      name: "invalid offset",
      message: "'YWJj' is not a valid offset: bad json encoding",
    });
    check(await json("GET", `/services?tags=${tag("page")}&offset=YWJj`), 400);
    const page = check(await json("GET", "/services?size=1"), 200);
    check(await json("GET", `/services?offset=${encodeURIComponent(page.offset)}`), 200);
  });
});

describe("GET /tags and /tags/{tag} (reference 1.5)", () => {
  const t1 = `tagrow-${randomUUID().slice(0, 8)}`;
  const t2 = `${t1}-two`;
  const expected: Json[] = [];

  before(async () => {
    const svc = check(await json("POST", "/services", { host: "tags.example", tags: [t1, t2] }), 201);
    const route = check(await json("POST", "/routes", { paths: ["/tagrow"], tags: [t1] }), 201);
    const consumer = check(await json("POST", "/consumers", { username: `u-${t1}`, tags: [t2, t1] }), 201);
    const plugin = check(await json("POST", "/plugins", { name: "tls-handshake-modifier", route: { id: route.id }, tags: [t1] }), 201);
    expected.push(
      { entity_name: "services", entity_id: svc.id, tag: t1 },
      { entity_name: "routes", entity_id: route.id, tag: t1 },
      { entity_name: "consumers", entity_id: consumer.id, tag: t1 },
      { entity_name: "plugins", entity_id: plugin.id, tag: t1 },
    );
  });

  const key = (row: Json): string => `${row.entity_name}/${row.entity_id}/${row.tag}`;

  test("/tags/{tag}: that tag on every kind of entity", async () => {
    const body = check(await json("GET", `/tags/${t1}`), 200);
    assert.deepEqual(Object.keys(body).sort(), ["data", "next"]);
    assert.equal(body.next, null);
    assert.deepEqual(body.data.map(key).sort(), expected.map(key).sort());
    for (const row of body.data) assert.deepEqual(Object.keys(row).sort(), ["entity_id", "entity_name", "tag"]);
    check(await json("GET", "/tags/no-entity-has-this-tag"), 200, { data: [], next: null });
  });

  test("/tags/{tag} pages with next = /tags/{tag}?offset=… (no size: the next page is a default one)", async () => {
    const { items, nexts } = await follow(`/tags/${t1}?size=1`);
    assert.deepEqual(items.map(key).sort(), expected.map(key).sort());
    assert.equal(nexts.length, 1);
    assert.match(nexts[0]!, new RegExp(`^/tags/${t1}\\?offset=[^&]+$`));
  });

  test("/tags: every tag of every entity, each once across pages", async () => {
    const { items, nexts } = await follow("/tags?size=3");
    const keys = items.map(key);
    assert.equal(new Set(keys).size, keys.length, "no row twice");
    for (const row of expected) assert.ok(keys.includes(key(row)), key(row));
    assert.equal(keys.filter((k) => k.endsWith(`/${t2}`)).length, 2);
    for (const next of nexts) assert.match(next, /^\/tags\?offset=[^&]+&size=3$/);
    check(await json("GET", "/tags?offset=YWJj"), 400, { code: 7, name: "invalid offset", message: "'YWJj' is not a valid offset: bad json encoding" });
    check(await json("GET", "/tags?size=abc"), 400, { code: 9, name: "invalid size", message: "size must be a number" });
  });
});

describe("GET /endpoints (reference 1.8)", () => {
  test("every path the router serves, in Kong's {param} notation and order", async () => {
    const body = check(await json("GET", "/endpoints"), 200);
    assert.deepEqual(Object.keys(body), ["data"]);
    const data: string[] = body.data;
    for (const path of [
      "/",
      "/ca_certificates",
      "/ca_certificates/{ca_certificates}",
      "/certificates/{certificates}/snis/{snis}",
      "/consumers/{consumers}/mtls-auth/{mtls_auth_credentials}",
      "/endpoints",
      "/key-sets/{key_sets}/keys/{keys}",
      "/keys/{keys}/set",
      "/mtls-auths/{mtls_auth_credentials}/consumer",
      "/plugins/enabled",
      "/plugins/schema/{name}",
      "/plugins/{plugins}/consumer",
      "/plugins/{plugins}/route",
      "/plugins/{plugins}/service",
      "/routes/{routes}/service",
      "/schemas/plugins/validate",
      "/schemas/plugins/{name}",
      "/schemas/{db_entity_name}/validate",
      "/schemas/{name}",
      "/services/{services}/routes/{routes}",
      "/snis/{snis}/certificate",
      "/status",
      "/tags",
      "/tags/{tags}",
    ])
      assert.ok(data.includes(path), path);
    assert.equal(new Set(data).size, data.length, "each path once");
    assert.ok(data.every((p) => p.startsWith("/") && !p.includes(":")), "no :param left");
    const kongOrder = [...data].sort((a, b) => {
      const [x, y] = [a.replaceAll("/", "\u0000"), b.replaceAll("/", "\u0000")];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    assert.deepEqual(data, kongOrder);
    assert.ok(data.indexOf("/services/{services}") < data.indexOf("/services/{services}/routes"));
  });

  test("it is the router's list: each path is served (OPTIONS 204), but the disabled one", async () => {
    const { data } = check(await json("GET", "/endpoints"), 200) as { data: string[] };
    for (const path of data) {
      const concrete = path.replace(/\{\w+\}/g, "x");
      const res = await json("OPTIONS", concrete);
      check(res, path === "/snis/{snis}/certificate" ? 404 : 204);
    }
  });
});

describe("schema endpoints (reference 1.8)", () => {
  const field = (schema: Json, name: string): Json => schema.fields.find((entry: Json) => name in entry)[name];

  test("GET /schemas/{entity}: ordered single-key fields with Kong's types and attributes", async () => {
    const services = check(await json("GET", "/schemas/services"), 200);
    assert.deepEqual(Object.keys(services).sort(), ["entity_checks", "fields"]);
    assert.deepEqual(services.fields.slice(0, 3), [
      { id: { type: "string", uuid: true, auto: true } },
      { created_at: { type: "integer", auto: true, timestamp: true } },
      { updated_at: { type: "integer", auto: true, timestamp: true } },
    ]);
    for (const entry of services.fields) assert.equal(Object.keys(entry).length, 1);
    assert.deepEqual(field(services, "port"), { type: "integer", required: true, default: 80, between: [0, 65535] });
    assert.deepEqual(field(services, "name"), { type: "string", len_min: 1, unique: true });
    assert.deepEqual(field(services, "host"), { type: "string", required: true, len_min: 1 });
    assert.equal(field(services, "protocol").default, "http");
    assert.ok(field(services, "protocol").one_of.includes("https"));
    assert.deepEqual(field(services, "client_certificate"), { type: "foreign", reference: "certificates", on_delete: "restrict" });
    assert.ok(Array.isArray(services.entity_checks) && services.entity_checks.length > 0);

    const routes = check(await json("GET", "/schemas/routes"), 200);
    assert.deepEqual(field(routes, "protocols").type, "set");
    assert.deepEqual(field(routes, "headers"), {
      type: "map",
      keys: { type: "string" },
      values: { type: "array", len_min: 1, elements: { type: "string" } },
    });
    assert.deepEqual(field(routes, "service"), { type: "foreign", reference: "services", on_delete: "restrict" });

    const consumers = check(await json("GET", "/schemas/consumers"), 200);
    assert.deepEqual(consumers.entity_checks, [{ at_least_one_of: ["custom_id", "username"] }]);

    const plugins = check(await json("GET", "/schemas/plugins"), 200);
    assert.deepEqual(field(plugins, "service"), { type: "foreign", reference: "services", on_delete: "cascade" });
    for (const name of ["ca_certificates", "certificates", "snis", "mtls_auth_credentials"]) check(await json("GET", `/schemas/${name}`), 200);

    check(await json("GET", "/schemas/nope"), 404, { message: "No entity named 'nope'" });
    check(await json("GET", "/schemas/tags"), 404, { message: "No entity named 'tags'" });
  });

  test("GET /schemas/plugins/{name}: consumer, protocols, consumer_group, config", async () => {
    const oidc = check(await json("GET", "/schemas/plugins/openid-connect"), 200);
    assert.deepEqual(
      oidc.fields.map((entry: Json) => Object.keys(entry)[0]),
      ["consumer", "protocols", "consumer_group", "config"],
    );
    assert.deepEqual(field(oidc, "consumer"), { type: "foreign", reference: "consumers", eq: null });
    assert.deepEqual(field(oidc, "consumer_group"), { type: "foreign", reference: "consumer_groups", eq: null });
    assert.deepEqual(field(oidc, "protocols").default, ["grpc", "grpcs", "http", "https"]);
    const config = field(oidc, "config");
    assert.equal(config.type, "record");
    assert.equal(config.required, true);
    assert.deepEqual(field(config, "issuer").required, true);
    assert.equal(field(config, "issuer").type, "string");
    assert.equal(field(config, "auth_methods").type, "array");
    assert.ok(field(config, "auth_methods").elements.one_of.includes("bearer"));
    assert.equal(field(config, "proof_of_possession_mtls").default, "off");

    const thm = check(await json("GET", "/schemas/plugins/tls-handshake-modifier"), 200);
    assert.deepEqual(field(thm, "config").fields, [
      {
        tls_client_certificate: {
          type: "string",
          default: "REQUEST",
          one_of: ["REQUEST"],
          description: "Request (but do not require or verify) a client certificate during the handshake.",
        },
      },
    ]);
    check(await json("GET", "/schemas/plugins/nope"), 404, { message: "No plugin named 'nope'" });
  });

  test("GET /plugins/schema/{name} (deprecated): the config record only", async () => {
    const config = check(await json("GET", "/plugins/schema/tls-handshake-modifier"), 200);
    const full = check(await json("GET", "/schemas/plugins/tls-handshake-modifier"), 200);
    assert.deepEqual(config, field(full, "config"));
    check(await json("GET", "/plugins/schema/nope"), 404, { message: "No plugin named 'nope'" });
  });

  test("POST /schemas/plugins/validate: schema checks of a plugin entity, nothing stored", async () => {
    const before = (check(await json("GET", "/plugins?size=1000"), 200) as Json).data.length;
    const ok = { message: "schema validation successful" };
    check(await json("POST", "/schemas/plugins/validate", { name: "openid-connect", config: { issuer: ISSUER } }), 200, ok);
    // a form body, as `curl --data` sends it
    check(await curl("-X", "POST", url("/schemas/plugins/validate"), "--data", "name=openid-connect", "--data", `config.issuer=${ISSUER}`), 200, ok);
    check(await json("POST", "/schemas/plugins/validate", { name: "openid-connect", config: {} }), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (config.issuer: required field missing)",
      fields: { config: { issuer: "required field missing" } },
    });
    check(await json("POST", "/schemas/plugins/validate", { name: "nope" }), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (name: plugin 'nope' not enabled; add it to the 'plugins' configuration property)",
      fields: { name: "plugin 'nope' not enabled; add it to the 'plugins' configuration property" },
    });
    // a service that does not exist is no schema error
    check(await json("POST", "/schemas/plugins/validate", { name: "tls-handshake-modifier", service: { id: randomUUID() } }), 200, ok);
    assert.equal((check(await json("GET", "/plugins?size=1000"), 200) as Json).data.length, before);
  });

  test("POST /schemas/{entity}/validate: no uniqueness, no foreign lookups, nothing stored", async () => {
    const ok = { message: "schema validation successful" };
    const name = `unique-${randomUUID()}`;
    check(await json("POST", "/services", { name, host: "u.example" }), 201);
    const before = (check(await json("GET", "/services?size=1000"), 200) as Json).data.length;
    check(await json("POST", "/schemas/services/validate", { name, host: "u.example" }), 200, ok);
    check(await json("POST", "/schemas/services/validate", { url: "https://u.example:8443/x" }), 200, ok);
    check(await json("POST", "/schemas/services/validate", {}), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (host: required field missing)",
      fields: { host: "required field missing" },
    });
    check(await json("POST", "/schemas/services/validate", { host: "h.example", port: 70000 }), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (port: value should be between 0 and 65535)",
      fields: { port: "value should be between 0 and 65535" },
    });
    assert.equal((check(await json("GET", "/services?size=1000"), 200) as Json).data.length, before);

    const missing = randomUUID();
    check(await json("POST", "/schemas/routes/validate", { paths: ["/v"], service: { id: missing } }), 200, ok);
    check(await json("POST", "/routes", { paths: ["/v"], service: { id: missing } }), 400, {
      code: 4,
      name: "foreign key violation",
      message: `the foreign key '{id="${missing}"}' does not reference an existing 'services' entity.`,
      fields: { service: { id: missing } },
    });
    // entity checks run
    check(await json("POST", "/schemas/consumers/validate", {}), 400, {
      code: 2,
      name: "schema violation",
      message: "schema violation (at least one of these fields must be non-empty: 'custom_id', 'username')",
      fields: { "@entity": ["at least one of these fields must be non-empty: 'custom_id', 'username'"] },
    });
    check(await json("POST", "/schemas/plugins/validate", { name: "tls-handshake-modifier" }), 200, ok);
    check(await json("POST", "/schemas/nope/validate", { host: "x" }), 404, { message: "No entity named 'nope'" });
  });
});

describe("entities through a foreign key (reference 1.3)", () => {
  test("/routes/{route}/service: 404 without one; PUT creates and attaches; PATCH, PUT; DELETE is 405", async () => {
    const routeName = `fk-${randomUUID()}`;
    const route = check(await json("POST", "/routes", { name: routeName, paths: ["/fk"] }), 201);
    const path = `/routes/${routeName}/service`;
    check(await json("GET", path), 404, NOT_FOUND);
    check(await json("PATCH", path, { retries: 1 }), 404, NOT_FOUND);
    check(await json("DELETE", path), 404, NOT_FOUND);

    // an invalid body attaches nothing and creates nothing
    const servicesBefore = (check(await json("GET", "/services?size=1000"), 200) as Json).data.length;
    check(await json("PUT", path, { port: 1 }), 400);
    assert.equal((check(await json("GET", "/services?size=1000"), 200) as Json).data.length, servicesBefore);
    assert.equal((check(await json("GET", `/routes/${route.id}`), 200) as Json).service, null);

    const created = check(await json("PUT", path, { host: "fk.example", retries: 2 }), 200);
    assert.match(created.id, UUID);
    assert.equal(created.host, "fk.example");
    assert.equal(created.retries, 2);
    assert.deepEqual((check(await json("GET", `/routes/${routeName}`), 200) as Json).service, { id: created.id });
    check(await json("GET", path), 200, created);
    check(await json("GET", `/routes/${route.id}/service`), 200, created);
    check(await json("GET", `/services/${created.id}`), 200, created);

    const patched = check(await json("PATCH", path, { retries: 3 }), 200);
    assert.equal(patched.id, created.id);
    assert.equal(patched.retries, 3);
    assert.equal(patched.host, "fk.example");
    // PUT replaces the attached service: fields not sent go back to their defaults
    const replaced = check(await json("PUT", path, { host: "fk2.example" }), 200);
    assert.equal(replaced.id, created.id);
    assert.equal(replaced.retries, 5);
    check(await json("GET", `/services/${created.id}`), 200, replaced);

    check(await json("DELETE", path), 405, NOT_ALLOWED);
    check(await json("GET", `/services/${created.id}`), 200, replaced);
    check(await json("GET", "/routes/no-such-route/service"), 404, NOT_FOUND);
    check(await json("PUT", "/routes/no-such-route/service", { host: "x.example" }), 404, NOT_FOUND);
  });

  test("/plugins/{plugin}/service, /route, /consumer: the plugin's scope, 404 when it has none", async () => {
    const svc = check(await json("POST", "/services", { name: `pfk-${randomUUID()}`, host: "pfk.example" }), 201);
    const route = check(await json("POST", "/routes", { paths: ["/pfk"] }), 201);
    const onService = check(await json("POST", `/services/${svc.id}/plugins`, { name: "tls-handshake-modifier" }), 201);
    const onRoute = check(await json("POST", `/routes/${route.id}/plugins`, { name: "tls-handshake-modifier" }), 201);
    check(await json("GET", `/plugins/${onService.id}/service`), 200, svc);
    check(await json("GET", `/plugins/${onService.id}/route`), 404, NOT_FOUND);
    check(await json("GET", `/plugins/${onService.id}/consumer`), 404, NOT_FOUND);
    check(await json("GET", `/plugins/${onRoute.id}/route`), 200, route);
    check(await json("GET", `/plugins/${onRoute.id}/service`), 404, NOT_FOUND);
    check(await json("GET", `/plugins/${randomUUID()}/service`), 404, NOT_FOUND);
    check(await json("DELETE", `/plugins/${onService.id}/service`), 405, NOT_ALLOWED);
    check(await json("GET", `/services/${svc.id}`), 200, svc);
    // a consumer cannot be attached to a plugin that may not be consumer-scoped: nothing is written
    const consumersBefore = (check(await json("GET", "/consumers?size=1000"), 200) as Json).data.length;
    check(await json("PUT", `/plugins/${onService.id}/consumer`, { username: `c-${randomUUID()}` }), 400);
    assert.equal((check(await json("GET", "/consumers?size=1000"), 200) as Json).data.length, consumersBefore);
    check(await json("GET", `/plugins/${onService.id}`), 200, onService);
  });

  test("/snis/{sni}/certificate is disabled: 404 whatever the method", async () => {
    for (const method of ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
      check(await json(method, "/snis/any.example/certificate"), 404, NOT_FOUND);
  });

  test("/mtls-auths/{id}/consumer: the credential's consumer, read only", async () => {
    const username = `mtls-${randomUUID()}`;
    const consumer = check(await json("POST", "/consumers", { username }), 201);
    const credential = check(await json("POST", `/consumers/${username}/mtls-auth`, { subject_name: `${username}@example` }), 201);
    check(await json("GET", `/mtls-auths/${credential.id}/consumer`), 200, consumer);
    check(await json("GET", `/mtls-auths/${randomUUID()}/consumer`), 404, NOT_FOUND);
    check(await json("GET", "/mtls-auths/not-a-uuid/consumer"), 400, {
      code: 1,
      name: "invalid primary key",
      message: `invalid primary key: '{id="not-a-uuid"}'`,
      fields: { id: "expected a valid UUID" },
    });
    check(await json("PUT", `/mtls-auths/${credential.id}/consumer`, { username: "x" }), 405, NOT_ALLOWED);
  });
});

describe("GET / and GET /status (reference 1.8)", () => {
  test("GET /: Kong's fields; version is Kong-compatible, tether_version is ours", async () => {
    const body = check(await json("GET", "/"), 200);
    assert.equal(body.version, "3.9.0");
    assert.match(body.tether_version, /^\d+\.\d+\.\d+/);
    assert.equal((await json("GET", "/")).headers.get("server"), `tether/${body.tether_version}`);
    assert.match(body.tagline, /^Welcome to /);
    assert.equal(typeof body.hostname, "string");
    assert.match(body.node_id, UUID);
    assert.ok(Number.isInteger(body.timers.running) && Number.isInteger(body.timers.pending));
    assert.ok(Number.isInteger(body.pids.master));
    assert.ok(Array.isArray(body.pids.workers) && body.pids.workers.length > 0);
    assert.equal(typeof body.configuration, "object");
    const available = body.plugins.available_on_server;
    assert.ok(!Array.isArray(available), "keyed by plugin name");
    assert.deepEqual(Object.keys(available["openid-connect"]).sort(), ["priority", "version"]);
    assert.ok(Array.isArray(body.plugins.enabled_in_cluster));
    // node_id is stable for the process
    assert.equal((check(await json("GET", "/"), 200) as Json).node_id, body.node_id);
  });

  test("GET /status: the database is reachable", async () => {
    const body = check(await json("GET", "/status"), 200);
    assert.deepEqual(body.database, { reachable: true });
    assert.equal(typeof body.server.total_requests, "number");
    // HEAD /status through fetch too
    const head = await adminRequest(t, "HEAD", "/status");
    check(head, 200);
    assert.equal(head.body, undefined);
  });
});
