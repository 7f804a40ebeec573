// Conformance of Tether's Admin API with Kong Gateway 3.x (reference sections 1.1-1.7, 3.10):
// services, routes, consumers and plugins driven the way Kong's guides drive them — the real
// `http` and `curl` CLIs with form bodies, and JSON — against one real `tether start` process.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../../packages/cli/src/config/load.ts";
import { curl, httpie, HTTPIE_SKIP, type CliResponse } from "../helpers/clients.ts";
import { adminJson, adminRequest, startTether, type AdminResponse, type Tether } from "../helpers/tether.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const POP_MESSAGE =
  "mTLS-proof-of-possession or Demonstrating Proof-of-Possession (DPoP) only supports 'bearer', " +
  "'introspection', 'session' auth methods when proof_of_possession_auth_methods_validation is set to true.";
const ALL_AUTH_METHODS = [
  "password",
  "client_credentials",
  "authorization_code",
  "bearer",
  "introspection",
  "userinfo",
  "kong_oauth2",
  "refresh_token",
  "session",
];
const NOT_FOUND = { message: "Not found" };
const ISSUER = "https://idp.example/realms/master";
const CLIENT_SECRET = "cf4c655a-0622-4ce6-a0de-d3353ef0b714";

type Json = Record<string, any>;
type Res = AdminResponse;

let t: Tether;

/** A form-urlencoded request (what `curl --data` and `http -f` send), without spawning a CLI. */
async function form(method: string, path: string, pairs: [string, string][] | string): Promise<Res> {
  const body = typeof pairs === "string" ? pairs : new URLSearchParams(pairs).toString();
  return raw(method, path, body, "application/x-www-form-urlencoded");
}

function raw(method: string, path: string, body: string | undefined, contentType?: string): Promise<Res> {
  return adminRequest(t, method, path, body, contentType);
}

function check(res: Res | CliResponse, status: number, body?: unknown): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (body !== undefined) assert.deepEqual(res.body, body);
  return res.body;
}

/** Checks the generated fields and returns the rest of the entity. */
function withoutAuto(entity: Json): Json {
  const { id, created_at, updated_at, ...rest } = entity;
  assert.match(id, UUID);
  assert.ok(Number.isInteger(created_at) && Math.abs(created_at - Date.now() / 1000) < 600, `created_at ${created_at}`);
  assert.ok(Number.isInteger(updated_at) && updated_at >= created_at, `updated_at ${updated_at}`);
  return rest;
}

function serviceFields(overrides: Json): Json {
  return {
    name: null,
    protocol: "http",
    host: null,
    port: 80,
    path: null,
    retries: 5,
    connect_timeout: 60000,
    write_timeout: 60000,
    read_timeout: 60000,
    tags: null,
    client_certificate: null,
    tls_verify: null,
    tls_verify_depth: null,
    ca_certificates: null,
    enabled: true,
    ...overrides,
  };
}

function routeFields(overrides: Json): Json {
  return {
    name: null,
    protocols: ["http", "https"],
    methods: null,
    hosts: null,
    paths: null,
    headers: null,
    snis: null,
    sources: null,
    destinations: null,
    strip_path: true,
    preserve_host: false,
    regex_priority: 0,
    https_redirect_status_code: 426,
    path_handling: "v0",
    request_buffering: true,
    response_buffering: true,
    service: null,
    tags: null,
    ...overrides,
  };
}

function thmFields(overrides: Json): Json {
  return {
    name: "tls-handshake-modifier",
    instance_name: null,
    config: { tls_client_certificate: "REQUEST" },
    protocols: ["https", "grpcs"],
    enabled: true,
    service: null,
    route: null,
    consumer: null,
    consumer_group: null,
    ordering: null,
    tags: null,
    ...overrides,
  };
}

function violation(fields: Json, message: string): Json {
  return { code: 2, name: "schema violation", message, fields };
}

/** The openid-connect PUT of Kong's cert-bound guide, checked the way the guide shows its answer. */
function checkGuideOidc(body: Json, id: string, serviceId: string): void {
  assert.equal(body.id, id);
  assert.equal(body.name, "openid-connect");
  assert.deepEqual(body.service, { id: serviceId });
  assert.equal(body.route, null);
  assert.equal(body.consumer, null);
  assert.equal(body.enabled, true);
  assert.deepEqual(body.protocols, ["grpc", "grpcs", "http", "https"]);
  const c = body.config;
  assert.equal(c.issuer, ISSUER);
  assert.deepEqual(c.client_id, ["cert-bound"]);
  assert.deepEqual(c.client_secret, [CLIENT_SECRET]);
  assert.deepEqual(c.auth_methods, ["bearer"]);
  assert.equal(c.proof_of_possession_mtls, "strict");
  // defaults filled, as Kong answers
  assert.equal(c.upstream_access_token_header, "authorization:bearer");
  assert.equal(c.proof_of_possession_auth_methods_validation, true);
  assert.equal(c.proof_of_possession_dpop, "off");
  assert.equal(c.leeway, 0);
  assert.deepEqual(c.scopes, ["openid"]);
  // every config field is present (unset ones as null)
  assert.ok(Object.hasOwn(c, "client_jwk") && c.client_jwk === null);
}

/** Waits until the unix second moves past `seconds`, so a rewritten created_at would show. */
async function afterSecond(seconds: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= seconds) await new Promise((r) => setTimeout(r, 50));
}

before(async () => {
  t = await startTether();
});

after(async () => {
  await t?.stop();
});

describe("Kong's cert-bound guide with httpie (http -f)", { skip: HTTPIE_SKIP }, () => {
  const pluginId = "5f35b796-ced6-4c00-9b2a-90eef745f4f9";
  let serviceId = "";
  const oidcArgs = () => [
    "-f",
    "put",
    `:${t.adminPort}/plugins/${pluginId}`,
    "name=openid-connect",
    "service.name=openid-connect",
    `config.issuer=${ISSUER}`,
    "config.client_id=cert-bound",
    `config.client_secret=${CLIENT_SECRET}`,
    "config.auth_methods=bearer",
    "config.proof_of_possession_mtls=strict",
  ];

  test("POST /services name=… url=… → 201 with every service field and no url", async () => {
    const res = await httpie("-f", "post", `:${t.adminPort}/services`, "name=openid-connect", "url=http://127.0.0.1:9443");
    const body = check(res, 201);
    assert.match(res.headers["content-type"] ?? "", /^application\/json; charset=utf-8$/);
    serviceId = body.id;
    assert.deepEqual(withoutAuto(body), serviceFields({ name: "openid-connect", host: "127.0.0.1", port: 9443 }));
    assert.equal(body.updated_at, body.created_at);
  });

  test("POST /services/openid-connect/routes name=oidc-route paths=/ → 201", async () => {
    const res = await httpie("-f", "post", `:${t.adminPort}/services/openid-connect/routes`, "name=oidc-route", "paths=/");
    assert.deepEqual(withoutAuto(check(res, 201)), routeFields({ name: "oidc-route", paths: ["/"], service: { id: serviceId } }));
  });

  test("POST /plugins name=tls-handshake-modifier service.name=openid-connect → 201, scope resolved to the id", async () => {
    const res = await httpie("-f", "post", `:${t.adminPort}/plugins`, "name=tls-handshake-modifier", "service.name=openid-connect");
    assert.deepEqual(withoutAuto(check(res, 201)), thmFields({ service: { id: serviceId } }));
  });

  test("PUT /plugins/{id} openid-connect with PoP strict → 200 with that id; again → same id, created_at kept", async () => {
    const first = check(await httpie(...oidcArgs()), 200);
    checkGuideOidc(first, pluginId, serviceId);
    await afterSecond(first.created_at);
    const second = check(await httpie(...oidcArgs()), 200);
    checkGuideOidc(second, pluginId, serviceId);
    assert.equal(second.created_at, first.created_at);
    assert.ok(second.updated_at > first.created_at, "updated_at moves on replace");
    const listed = check(await adminJson(t, "GET", `/services/openid-connect/plugins`), 200);
    assert.deepEqual(listed.data.map((p: Json) => p.name).sort(), ["openid-connect", "tls-handshake-modifier"]);
  });
});

describe("the same guide with curl --data", () => {
  const pluginId = "0b9c2d48-1f6a-4a57-9d8e-0c6f2b7a9e11";
  let serviceId = "";
  const admin = (): string => t.admin;
  const oidc = (): Promise<CliResponse> =>
    curl(
      "-X", "PUT", `${admin()}/plugins/${pluginId}`,
      "--data", "name=openid-connect",
      "--data", "service.name=guide-curl",
      "--data", `config.issuer=${ISSUER}`,
      "--data", "config.client_id=cert-bound",
      "--data", `config.client_secret=${CLIENT_SECRET}`,
      "--data", "config.auth_methods=bearer",
      "--data", "config.proof_of_possession_mtls=strict",
    );

  test("service, route, tls-handshake-modifier and openid-connect as Kong's guide sends them", async () => {
    const svc = check(await curl("-X", "POST", `${admin()}/services`, "--data", "name=guide-curl", "--data", "url=https://upstream.example/api"), 201);
    serviceId = svc.id;
    assert.deepEqual(withoutAuto(svc), serviceFields({ name: "guide-curl", protocol: "https", host: "upstream.example", port: 443, path: "/api" }));

    const route = check(await curl("-X", "POST", `${admin()}/services/guide-curl/routes`, "--data", "name=guide-curl-route", "--data", "paths=/curl"), 201);
    assert.deepEqual(withoutAuto(route), routeFields({ name: "guide-curl-route", paths: ["/curl"], service: { id: serviceId } }));

    const thm = check(await curl("-X", "POST", `${admin()}/plugins`, "--data", "name=tls-handshake-modifier", "--data", "service.name=guide-curl"), 201);
    assert.deepEqual(withoutAuto(thm), thmFields({ service: { id: serviceId } }));

    const first = check(await oidc(), 200);
    checkGuideOidc(first, pluginId, serviceId);
    await afterSecond(first.created_at);
    const second = check(await oidc(), 200);
    checkGuideOidc(second, pluginId, serviceId);
    assert.equal(second.created_at, first.created_at);
  });

  test("form values are typed by the schema: numbers, booleans, one value for an array, empty = null", async () => {
    const svc = check(await curl("-X", "POST", `${admin()}/services`, "--data", "name=curl-typed", "--data", "host=h.example", "--data", "port=8080", "--data", "enabled=false", "--data", "tags=one", "--data", "path="), 201);
    assert.equal(svc.port, 8080);
    assert.equal(svc.enabled, false);
    assert.deepEqual(svc.tags, ["one"]);
    assert.equal(svc.path, null);
    const route = check(await curl("-X", "POST", `${admin()}/services/curl-typed/routes`, "--data", "paths[1]=/a", "--data", "paths[2]=/b", "--data", "methods=GET", "--data", "methods=POST", "--data", "headers.x-region=north"), 201);
    assert.deepEqual(route.paths, ["/a", "/b"]);
    assert.deepEqual(route.methods, ["GET", "POST"]);
    assert.deepEqual(route.headers, { "x-region": ["north"] });
  });

  test("multipart bodies (curl -F) are forms too", async () => {
    const svc = check(await curl("-X", "POST", `${admin()}/services`, "-F", "name=curl-multipart", "-F", "host=mp.example", "-F", "port=81"), 201);
    assert.deepEqual(withoutAuto(svc), serviceFields({ name: "curl-multipart", host: "mp.example", port: 81 }));
  });

  test("two Content-Type headers → 400", async () => {
    const res = await curl("-X", "POST", `${admin()}/services`, "-H", "Content-Type: application/json", "-H", "Content-Type: application/json", "--data", '{"host":"h"}');
    check(res, 400, { message: "Multiple Content-Type headers not allowed" });
  });
});

describe("the same guide with JSON bodies", () => {
  test("nested objects for foreign keys and config; arrays as arrays", async () => {
    const svc = check(await adminJson(t, "POST", "/services", { name: "guide-json", url: "http://127.0.0.1:9444/" }), 201);
    assert.deepEqual(withoutAuto(svc), serviceFields({ name: "guide-json", host: "127.0.0.1", port: 9444, path: "/" }));
    const route = check(await adminJson(t, "POST", "/services/guide-json/routes", { name: "guide-json-route", paths: ["/json"] }), 201);
    assert.deepEqual(withoutAuto(route), routeFields({ name: "guide-json-route", paths: ["/json"], service: { id: svc.id } }));
    const thm = check(await adminJson(t, "POST", "/plugins", { name: "tls-handshake-modifier", service: { name: "guide-json" } }), 201);
    assert.deepEqual(withoutAuto(thm), thmFields({ service: { id: svc.id } }));
    const id = "7d2f4c1e-3b5a-4e6f-8a9b-0c1d2e3f4a5b";
    const body = {
      name: "openid-connect",
      service: { name: "guide-json" },
      config: {
        issuer: ISSUER,
        client_id: ["cert-bound"],
        client_secret: [CLIENT_SECRET],
        auth_methods: ["bearer"],
        proof_of_possession_mtls: "strict",
      },
    };
    const first = check(await adminJson(t, "PUT", `/plugins/${id}`, body), 200);
    checkGuideOidc(first, id, svc.id);
    await afterSecond(first.created_at);
    const second = check(await adminJson(t, "PUT", `/plugins/${id}`, body), 200);
    assert.equal(second.id, id);
    assert.equal(second.created_at, first.created_at);
  });

  test("a string where an array is required is not wrapped: 400 expected an array", async () => {
    check(
      await adminJson(t, "POST", "/routes", { paths: "/" }),
      400,
      violation({ paths: "expected an array" }, "schema violation (paths: expected an array)"),
    );
    check(
      await adminJson(t, "POST", "/plugins", { name: "openid-connect", config: { issuer: ISSUER, client_id: "cert-bound" } }),
      400,
      violation({ config: { client_id: "expected an array" } }, "schema violation (config.client_id: expected an array)"),
    );
  });

  test("no type coercion: a numeric string for an integer is a violation", async () => {
    check(
      await adminJson(t, "POST", "/services", { host: "h.example", port: "8080" }),
      400,
      violation({ port: "expected an integer" }, "schema violation (port: expected an integer)"),
    );
  });

  test("dotted keys stay literal in JSON: unknown field", async () => {
    check(
      await adminJson(t, "POST", "/plugins", { name: "tls-handshake-modifier", "service.name": "guide-json" }),
      400,
      violation({ "service.name": "unknown field" }, "schema violation (service.name: unknown field)"),
    );
  });
});

describe("errors in Kong's shapes", () => {
  before(async () => {
    check(await adminJson(t, "POST", "/services", { name: "err-svc", host: "err.example" }), 201);
  });

  test("schema violation: one error, several errors (sorted, counted), unknown field, enum", async () => {
    check(
      await adminJson(t, "POST", "/services", {}),
      400,
      violation({ host: "required field missing" }, "schema violation (host: required field missing)"),
    );
    check(
      await adminJson(t, "POST", "/services", { protocol: "ftp", port: "x" }),
      400,
      violation(
        {
          host: "required field missing",
          port: "expected an integer",
          protocol: "expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp",
        },
        "3 schema violations (host: required field missing; port: expected an integer; " +
          "protocol: expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp)",
      ),
    );
    check(
      await adminJson(t, "POST", "/services", { host: "h.example", foo: 1 }),
      400,
      violation({ foo: "unknown field" }, "schema violation (foo: unknown field)"),
    );
    check(
      await form("POST", "/services", [["host", "h.example"], ["port", "70000"]]),
      400,
      violation({ port: "value should be between 0 and 65535" }, "schema violation (port: value should be between 0 and 65535)"),
    );
  });

  test("route with nothing to match on: the @entity message with the https wording", async () => {
    const message = "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'";
    check(await adminJson(t, "POST", "/routes", {}), 400, violation({ "@entity": [message] }, `schema violation (${message})`));
    check(await form("POST", "/services/err-svc/routes", [["name", "empty"]]), 400, violation({ "@entity": [message] }, `schema violation (${message})`));
  });

  test("consumer with neither username nor custom_id", async () => {
    const message = "at least one of these fields must be non-empty: 'custom_id', 'username'";
    check(await adminJson(t, "POST", "/consumers", {}), 400, violation({ "@entity": [message] }, `schema violation (${message})`));
  });

  test("unknown plugin name", async () => {
    const message = "plugin 'foo' not enabled; add it to the 'plugins' configuration property";
    check(await form("POST", "/plugins", [["name", "foo"]]), 400, violation({ name: message }, `schema violation (name: ${message})`));
  });

  test("openid-connect: PoP with the default auth_methods is refused with Kong's message", async () => {
    check(
      await form("POST", "/services/err-svc/plugins", [
        ["name", "openid-connect"],
        ["config.issuer", ISSUER],
        ["config.proof_of_possession_mtls", "strict"],
      ]),
      400,
      violation({ config: POP_MESSAGE }, `schema violation (config: ${POP_MESSAGE})`),
    );
    check(
      await adminJson(t, "POST", "/services/err-svc/plugins", {
        name: "openid-connect",
        config: { issuer: ISSUER, proof_of_possession_mtls: "optional", auth_methods: ["bearer", "password"] },
      }),
      400,
      violation({ config: POP_MESSAGE }, `schema violation (config: ${POP_MESSAGE})`),
    );
  });

  test("openid-connect: PoP accepted with auth_methods=bearer, or with the validation turned off", async () => {
    check(await form("POST", "/services", [["name", "pop-a"], ["host", "a.example"]]), 201);
    check(await form("POST", "/services", [["name", "pop-b"], ["host", "b.example"]]), 201);
    const a = check(
      await form("POST", "/services/pop-a/plugins", [
        ["name", "openid-connect"],
        ["config.issuer", ISSUER],
        ["config.auth_methods", "bearer"],
        ["config.proof_of_possession_mtls", "strict"],
      ]),
      201,
    );
    assert.deepEqual(a.config.auth_methods, ["bearer"]);
    assert.equal(a.config.proof_of_possession_mtls, "strict");
    const b = check(
      await form("POST", "/services/pop-b/plugins", [
        ["name", "openid-connect"],
        ["config.issuer", ISSUER],
        ["config.proof_of_possession_mtls", "strict"],
        ["config.proof_of_possession_auth_methods_validation", "false"],
      ]),
      201,
    );
    assert.equal(b.config.proof_of_possession_auth_methods_validation, false);
    assert.deepEqual(b.config.auth_methods, ALL_AUTH_METHODS);
  });

  test("openid-connect without config.issuer: required field missing, nested under config", async () => {
    check(
      await form("POST", "/plugins", [["name", "openid-connect"]]),
      400,
      violation({ config: { issuer: "required field missing" } }, "schema violation (config.issuer: required field missing)"),
    );
  });

  test("auth plugins cannot be consumer-scoped", async () => {
    check(await adminJson(t, "PUT", "/consumers/err-consumer", {}), 200);
    check(
      await form("POST", "/consumers/err-consumer/plugins", [["name", "tls-handshake-modifier"]]),
      400,
      violation({ consumer: "value must be null" }, "schema violation (consumer: value must be null)"),
    );
  });

  test("404 Not found: unknown ids, names, parents and paths", async () => {
    const unknownId = "00000000-0000-4000-8000-000000000000";
    for (const [method, path] of [
      ["GET", `/services/${unknownId}`],
      ["GET", "/services/no-such-service"],
      ["GET", "/routes/no-such-route"],
      ["GET", `/plugins/${unknownId}`],
      ["GET", "/consumers/nobody"],
      ["GET", "/services/no-such-service/routes"],
      ["GET", "/services/no-such-service/plugins"],
      ["GET", "/no-such-path"],
      ["GET", "/services/err-svc/no-such-path"],
      ["POST", "/no-such-path"],
    ] as const)
      check(await adminJson(t, method, path), 404, NOT_FOUND);
    check(await form("PATCH", `/services/${unknownId}`, [["host", "x.example"]]), 404, NOT_FOUND);
    check(await form("PATCH", "/services/no-such-service", [["host", "x.example"]]), 404, NOT_FOUND);
    // a form PATCH of an unknown plugin cannot learn its name, and is a 404 rather than a violation
    check(await form("PATCH", `/plugins/${unknownId}`, [["config.leeway", "5"]]), 404, NOT_FOUND);
    check(await form("POST", "/services/no-such-service/routes", [["paths", "/x"]]), 404, NOT_FOUND);
  });

  test("405 Method not allowed on known paths, with Allow", async () => {
    for (const [method, path] of [
      ["DELETE", "/"],
      ["POST", "/status"],
      ["PUT", "/services"],
      ["DELETE", "/services"],
      ["POST", "/services/err-svc"],
    ] as const) {
      const res = await adminJson(t, method, path);
      check(res, 405, { message: "Method not allowed" });
      assert.ok(res.headers.get("allow")?.includes("GET"), `${method} ${path}: Allow ${res.headers.get("allow")}`);
    }
  });

  test("names and tags: Kong's utf8_name and tag rules, with the value quoted", async () => {
    const nameMessage = "invalid value 'a b': the only accepted ascii characters are alphanumerics or ., -, _, and ~";
    check(
      await form("POST", "/services", [["host", "h.example"], ["name", "a b"]]),
      400,
      violation({ name: nameMessage }, `schema violation (name: ${nameMessage})`),
    );
    const tagMessage = "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences";
    check(
      await adminJson(t, "POST", "/services", { host: "h.example", tags: ["ok tag", "a,b"] }),
      400,
      violation({ tags: [null, tagMessage] }, `schema violation (tags.2: ${tagMessage})`),
    );
    // any non-ASCII character is a name character to Kong, and a tag may hold spaces
    const named = check(await adminJson(t, "POST", "/services", { host: "h.example", name: "caf\u00e9-\u{1F680}", tags: ["with space", "\u00fc"] }), 201);
    assert.equal(named.name, "caf\u00e9-\u{1F680}");
    assert.deepEqual(named.tags, ["with space", "\u00fc"]);
    check(await adminJson(t, "GET", `/services/${encodeURIComponent("caf\u00e9-\u{1F680}")}`), 200, named);
  });

  test("409 unique violation: a second service of the same name", async () => {
    check(
      await form("POST", "/services", [["name", "err-svc"], ["host", "other.example"]]),
      409,
      {
        code: 5,
        name: "unique constraint violation",
        message: `UNIQUE violation detected on '{name="err-svc"}'`,
        fields: { name: "err-svc" },
      },
    );
  });

  test("409 unique violation: a second plugin of the same name on the same scope (Kong's cache key)", async () => {
    const svc = check(await form("POST", "/services", [["name", "dup-scope"], ["host", "d.example"]]), 201);
    check(await form("POST", "/plugins", [["name", "tls-handshake-modifier"], ["service.name", "dup-scope"]]), 201);
    const fields = { consumer: null, name: "tls-handshake-modifier", route: null, service: { id: svc.id } };
    const expected = {
      code: 5,
      name: "unique constraint violation",
      message: `UNIQUE violation detected on '{consumer=null,name="tls-handshake-modifier",route=null,service={id="${svc.id}"}}'`,
      fields,
    };
    // a different instance_name does not make it another scope
    check(
      await form("POST", "/plugins", [["name", "tls-handshake-modifier"], ["service.id", svc.id], ["instance_name", "second"]]),
      409,
      expected,
    );
    check(await adminJson(t, "POST", "/services/dup-scope/plugins", { name: "tls-handshake-modifier" }), 409, expected);
  });

  test("foreign keys: an unknown name is unresolved (13), an unknown id is a violation (4)", async () => {
    const text = "the foreign key cannot be resolved with '{name=\"unknown\"}' for an existing 'services' entity";
    check(await form("POST", "/plugins", [["name", "tls-handshake-modifier"], ["service.name", "unknown"]]), 400, {
      code: 13,
      name: "foreign keys unresolved",
      message: `foreign key unresolved (service.name: ${text})`,
      fields: { service: { name: text } },
    });
    const id = "11111111-1111-4111-8111-111111111111";
    check(await form("POST", "/routes", [["paths", "/fk"], ["service.id", id]]), 400, {
      code: 4,
      name: "foreign key violation",
      message: `the foreign key '{id="${id}"}' does not reference an existing 'services' entity.`,
      fields: { service: { id } },
    });
  });

  test("bodies: malformed JSON 400, unknown content type 415 with an empty body", async () => {
    check(await raw("POST", "/services", '{"host": "h.example",', "application/json"), 400, { message: "Cannot parse JSON body" });
    const res = await raw("POST", "/services", "host=h.example", "text/plain");
    check(res, 415);
    assert.equal(res.body, undefined);
  });

  test("empty bodies are allowed: no body is no fields, not a parse error", async () => {
    // JSON content type, nothing sent: validated as an empty entity
    const message = "at least one of these fields must be non-empty: 'custom_id', 'username'";
    check(await raw("POST", "/consumers", "", "application/json"), 400, violation({ "@entity": [message] }, `schema violation (${message})`));
    // the URL's key is all a consumer needs
    const john = check(await raw("PUT", "/consumers/john", "", "application/json"), 200);
    assert.deepEqual(withoutAuto(john), { username: "john", custom_id: null, tags: null });
    // optional config: the scope from the URL plus defaults
    const route = check(await form("POST", "/services/err-svc/routes", [["paths", "/empty"]]), 201);
    const thm = check(await raw("POST", `/routes/${route.id}/plugins`, "name=tls-handshake-modifier", "application/x-www-form-urlencoded"), 201);
    assert.deepEqual(withoutAuto(thm), thmFields({ route: { id: route.id } }));
    // an empty PATCH changes nothing
    const before = check(await adminJson(t, "GET", "/services/err-svc"), 200);
    const patched = check(await raw("PATCH", "/services/err-svc", undefined), 200);
    assert.deepEqual({ ...patched, updated_at: before.updated_at }, before);
  });
});

describe("CRUD semantics", () => {
  test("GET list shape; pagination with size=1 follows `next` through every entity once", async () => {
    for (const n of [1, 2, 3]) check(await form("POST", "/services", [["name", `page-${n}`], ["host", "p.example"]]), 201);
    const all = check(await adminJson(t, "GET", "/services?size=1000"), 200);
    assert.deepEqual(Object.keys(all).sort(), ["data", "next"]);
    assert.equal(all.next, null);
    assert.ok(all.data.length >= 3);

    const seen: string[] = [];
    let next: string | null = "/services?size=1";
    let pages = 0;
    while (next !== null) {
      const page: Json = check(await adminJson(t, "GET", next), 200);
      pages += 1;
      assert.equal(page.data.length, 1);
      seen.push(page.data[0].id);
      if (page.next === null) {
        assert.ok(!("offset" in page), "the last page has no offset key");
      } else {
        assert.match(page.next, /^\/services\?offset=[^&]+&size=1$/);
        assert.equal(new URLSearchParams(page.next.split("?")[1]).get("offset"), page.offset);
      }
      next = page.next;
      assert.ok(pages <= all.data.length, "pagination terminates");
    }
    assert.equal(new Set(seen).size, seen.length, "no entity twice");
    assert.deepEqual([...seen].sort(), all.data.map((s: Json) => s.id).sort());
  });

  test("size must be an integer from 1 to 1000 (code 9)", async () => {
    const between = { code: 9, name: "invalid size", message: "size must be an integer between 1 and 1000" };
    check(await adminJson(t, "GET", "/services?size=0"), 400, between);
    check(await adminJson(t, "GET", "/services?size=1001"), 400, between);
    check(await adminJson(t, "GET", "/services?size=abc"), 400, { code: 9, name: "invalid size", message: "size must be a number" });
  });

  test("PUT by name creates (200), then replaces: fields not sent go back to defaults, the URL's name wins", async () => {
    const created = check(await form("PUT", "/services/my-svc", [["host", "x.example"]]), 200);
    assert.deepEqual(withoutAuto(created), serviceFields({ name: "my-svc", host: "x.example" }));
    const replaced = check(
      await form("PUT", "/services/my-svc", [["host", "y.example"], ["retries", "1"], ["tags", "t"], ["name", "other-name"]]),
      200,
    );
    assert.equal(replaced.id, created.id);
    assert.equal(replaced.name, "my-svc");
    assert.equal(replaced.retries, 1);
    check(await adminJson(t, "GET", "/services/other-name"), 404, NOT_FOUND);
    const again = check(await form("PUT", "/services/my-svc", [["host", "z.example"]]), 200);
    assert.equal(again.id, created.id);
    assert.deepEqual(withoutAuto(again), serviceFields({ name: "my-svc", host: "z.example" }));
    // by id: creates with exactly that id
    const id = "3e0b5f6a-9c1d-4e2f-a3b4-c5d6e7f8a9b0";
    const byId = check(await adminJson(t, "PUT", `/services/${id}`, { host: "id.example" }), 200);
    assert.equal(byId.id, id);
    check(await adminJson(t, "GET", `/services/${id}`), 200, byId);
  });

  test("PATCH merges records (config.leeway keeps the rest) and replaces arrays", async () => {
    check(await form("POST", "/services", [["name", "patch-svc"], ["host", "p.example"]]), 201);
    const plugin = check(
      await adminJson(t, "POST", "/services/patch-svc/plugins", {
        name: "openid-connect",
        config: { issuer: ISSUER, client_id: ["a", "b"], auth_methods: ["bearer", "session"], proof_of_possession_mtls: "strict" },
      }),
      201,
    );
    // a form PATCH without `name`: types come from the stored plugin's schema ("5" → 5)
    const leeway = check(await form("PATCH", `/plugins/${plugin.id}`, [["config.leeway", "5"]]), 200);
    assert.equal(leeway.config.leeway, 5);
    assert.deepEqual(leeway.config, { ...plugin.config, leeway: 5 });
    assert.equal(leeway.created_at, plugin.created_at);
    // arrays are replaced wholesale, not merged
    const methods = check(await form("PATCH", `/plugins/${plugin.id}`, [["config.auth_methods", "introspection"]]), 200);
    assert.deepEqual(methods.config.auth_methods, ["introspection"]);
    assert.deepEqual(methods.config.client_id, ["a", "b"]);
    assert.equal(methods.config.leeway, 5);
    // the merged entity is validated as a whole
    check(
      await adminJson(t, "PATCH", `/plugins/${plugin.id}`, { config: { auth_methods: ["password"] } }),
      400,
      violation({ config: POP_MESSAGE }, `schema violation (config: ${POP_MESSAGE})`),
    );
    check(await adminJson(t, "GET", `/plugins/${plugin.id}`), 200, methods);
    // an id in the body does not fork a copy
    const other = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    const renamed = check(await adminJson(t, "PATCH", "/services/patch-svc", { id: other, retries: 2 }), 200);
    assert.equal(renamed.retries, 2);
    check(await adminJson(t, "GET", `/services/${other}`), 404, NOT_FOUND);
    check(await adminJson(t, "GET", "/services/patch-svc"), 200, renamed);
  });

  test("DELETE is 204 and idempotent, also for unknown ids and names", async () => {
    check(await form("POST", "/services", [["name", "del-svc"], ["host", "d.example"]]), 201);
    const first = await adminJson(t, "DELETE", "/services/del-svc");
    check(first, 204);
    assert.equal(first.body, undefined);
    check(await adminJson(t, "GET", "/services/del-svc"), 404, NOT_FOUND);
    check(await adminJson(t, "DELETE", "/services/del-svc"), 204);
    check(await adminJson(t, "DELETE", "/services/00000000-0000-4000-8000-000000000001"), 204);
    check(await adminJson(t, "DELETE", "/plugins/00000000-0000-4000-8000-000000000001"), 204);
  });

  test("a service with routes cannot be deleted; route then service can, and their plugins go with them", async () => {
    const svc = check(await form("POST", "/services", [["name", "cascade-svc"], ["host", "c.example"]]), 201);
    const route = check(await form("POST", "/services/cascade-svc/routes", [["name", "cascade-route"], ["paths", "/cascade"]]), 201);
    const svcPlugin = check(await form("POST", "/services/cascade-svc/plugins", [["name", "tls-handshake-modifier"]]), 201);
    const routePlugin = check(await form("POST", "/routes/cascade-route/plugins", [["name", "tls-handshake-modifier"]]), 201);

    check(await adminJson(t, "DELETE", "/services/cascade-svc"), 400, {
      code: 4,
      name: "foreign key violation",
      message: "an existing 'routes' entity references this 'services' entity",
      fields: { "@referenced_by": "routes" },
    });
    check(await adminJson(t, "GET", "/services/cascade-svc"), 200, svc);
    check(await adminJson(t, "GET", `/plugins/${svcPlugin.id}`), 200, svcPlugin);

    check(await adminJson(t, "DELETE", "/routes/cascade-route"), 204);
    check(await adminJson(t, "GET", `/plugins/${routePlugin.id}`), 404, NOT_FOUND);
    check(await adminJson(t, "GET", `/plugins/${svcPlugin.id}`), 200, svcPlugin);
    check(await adminJson(t, "DELETE", "/services/cascade-svc"), 204);
    check(await adminJson(t, "GET", `/plugins/${svcPlugin.id}`), 404, NOT_FOUND);
    check(await adminJson(t, "GET", `/services/${svc.id}`), 404, NOT_FOUND);
    // and the same name can be used again
    check(await form("POST", "/services", [["name", "cascade-svc"], ["host", "c.example"]]), 201);
  });

  test("nested collections: only the parent's children; scope pre-filled; foreign children are 404", async () => {
    const a = check(await form("POST", "/services", [["name", "nest-a"], ["host", "a.example"]]), 201);
    const b = check(await form("POST", "/services", [["name", "nest-b"], ["host", "b.example"]]), 201);
    check(await adminJson(t, "GET", "/services/nest-a/routes"), 200, { data: [], next: null });
    const ra1 = check(await form("POST", "/services/nest-a/routes", [["name", "nest-a1"], ["paths", "/a1"]]), 201);
    const ra2 = check(await adminJson(t, "POST", `/services/${a.id}/routes`, { name: "nest-a2", paths: ["/a2"] }), 201);
    const rb = check(await form("POST", "/services/nest-b/routes", [["name", "nest-b1"], ["paths", "/b1"]]), 201);
    assert.deepEqual(ra2.service, { id: a.id });
    assert.deepEqual(rb.service, { id: b.id });

    const listA = check(await adminJson(t, "GET", "/services/nest-a/routes"), 200);
    assert.deepEqual(listA.data.map((r: Json) => r.id).sort(), [ra1.id, ra2.id].sort());
    assert.equal(listA.next, null);
    const pageA = check(await adminJson(t, "GET", "/services/nest-a/routes?size=1"), 200);
    assert.equal(pageA.data.length, 1);
    // nested `next` keeps the parent as given and, as Kong's, carries no size
    assert.match(pageA.next, /^\/services\/nest-a\/routes\?offset=[^&]+$/);
    const restA = check(await adminJson(t, "GET", pageA.next), 200);
    assert.deepEqual([pageA.data[0].id, ...restA.data.map((r: Json) => r.id)].sort(), [ra1.id, ra2.id].sort());
    assert.equal(restA.next, null);

    check(await adminJson(t, "GET", `/services/nest-a/routes/${ra1.id}`), 200, ra1);
    check(await adminJson(t, "GET", "/services/nest-a/routes/nest-a1"), 200, ra1);
    check(await adminJson(t, "GET", `/services/nest-b/routes/${ra1.id}`), 404, NOT_FOUND);
    check(await adminJson(t, "GET", "/services/nest-b/routes/nest-a1"), 404, NOT_FOUND);
    check(await form("PATCH", `/services/nest-b/routes/${ra1.id}`, [["paths", "/moved"]]), 404, NOT_FOUND);
    check(await adminJson(t, "DELETE", `/services/nest-b/routes/${ra1.id}`), 404, NOT_FOUND);
    check(await adminJson(t, "GET", `/routes/${ra1.id}`), 200, ra1);

    // POST under a parent sets the scope; the URL's parent wins over the body's
    const sp = check(await form("POST", "/services/nest-a/plugins", [["name", "tls-handshake-modifier"], ["service.name", "nest-b"]]), 201);
    assert.deepEqual(withoutAuto(sp), thmFields({ service: { id: a.id } }));
    const rp = check(await adminJson(t, "POST", "/routes/nest-b1/plugins", { name: "tls-handshake-modifier" }), 201);
    assert.deepEqual(withoutAuto(rp), thmFields({ route: { id: rb.id } }));
    const spList = check(await adminJson(t, "GET", "/services/nest-a/plugins"), 200);
    assert.deepEqual(spList, { data: [sp], next: null });
    check(await adminJson(t, "GET", `/services/nest-b/plugins/${sp.id}`), 404, NOT_FOUND);
    check(await adminJson(t, "GET", `/routes/nest-b1/plugins/${rp.id}`), 200, rp);
  });
});

describe("information endpoints", () => {
  test("GET / lists the plugins available (with Kong's priorities) and enabled in the cluster", async () => {
    const body = check(await adminJson(t, "GET", "/"), 200);
    assert.match(body.tagline, /^Welcome to /);
    assert.equal(typeof body.version, "string");
    assert.match(body.node_id, UUID);
    const available = body.plugins.available_on_server;
    assert.equal(available["openid-connect"].priority, 1050);
    assert.equal(available["tls-handshake-modifier"].priority, 997);
    const configured = check(await adminJson(t, "GET", "/plugins?size=1000"), 200);
    const names = [...new Set(configured.data.map((p: Json) => p.name as string))].sort();
    assert.deepEqual([...body.plugins.enabled_in_cluster].sort(), names);
  });

  test("GET /status: the database is reachable", async () => {
    const body = check(await adminJson(t, "GET", "/status"), 200);
    assert.deepEqual(body.database, { reachable: true });
    assert.equal(typeof body.server.total_requests, "number");
  });

  test("GET /plugins/enabled lists the installed plugins (not a plugin id)", async () => {
    const body = check(await adminJson(t, "GET", "/plugins/enabled"), 200);
    assert.ok(body.enabled_plugins.includes("openid-connect"));
    assert.ok(body.enabled_plugins.includes("tls-handshake-modifier"));
  });

  test("the Admin API listens on 127.0.0.1:8001 by default (Kong's admin_listen)", () => {
    const empty = mkdtempSync(join(tmpdir(), "tether-conf-"));
    try {
      const config = loadConfig({}, empty);
      assert.deepEqual(config.admin_listen, [{ host: "127.0.0.1", port: 8001, ssl: false }]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("hostile input does not break the Admin API", () => {
  test("a barrage of bad bodies: each answered with Kong's error, nothing stored, the process alive", async () => {
    const before = check(await adminJson(t, "GET", "/services?size=1000"), 200);
    const beforeRoutes = check(await adminJson(t, "GET", "/routes?size=1000"), 200);
    const beforePlugins = check(await adminJson(t, "GET", "/plugins?size=1000"), 200);

    for (const text of ["{", '{"host":', "[1,2", "nul", '{"host":"h"}}', "\u0000", '{"host":"\ud800"']) {
      check(await raw("POST", "/services", text, "application/json"), 400, { message: "Cannot parse JSON body" });
    }
    // not an object
    for (const text of ["[]", "null", "42", '"host"']) check(await raw("POST", "/services", text, "application/json"), 400);

    // 2 MB: too large, refused before it is read
    const big = JSON.stringify({ host: "h.example", name: "a".repeat(2 * 1024 * 1024) });
    check(await raw("POST", "/services", big, "application/json"), 413);
    check(await raw("POST", "/services", `host=h&name=${"a".repeat(2 * 1024 * 1024)}`, "application/x-www-form-urlencoded"), 413);

    // form keys nested without bound, malformed, or too many
    const deepKey = Array.from({ length: 200 }, (_, i) => `k${i}`).join(".");
    check(await form("POST", "/services", `host=h&${deepKey}=1`), 400);
    check(await form("POST", "/services", `host=h&${"a[x]".repeat(500)}=1`), 400);
    check(await form("POST", "/services", "host=h&paths[1=x"), 400);
    check(await form("POST", "/services", "host=h&paths[999999999999999999999]=x"), 400);
    check(await form("POST", "/services", Array.from({ length: 5000 }, (_, i) => `tags=${i}`).join("&")), 400);

    // JSON nested without bound where the schema takes an object
    const deep = (n: number): string => `${'{"before":'.repeat(n)}null${"}".repeat(n)}`;
    check(await raw("POST", "/plugins", `{"name":"tls-handshake-modifier","ordering":${deep(5000)}}`, "application/json"), 400);
    check(await raw("POST", "/routes", `{"protocols":["tcp"],"sources":[${deep(5000)}]}`, "application/json"), 400);
    check(await raw("POST", "/services", `{"host":"h","tags":${"[".repeat(100000)}${"]".repeat(100000)}}`, "application/json"), 400);

    // prototype keys are fields like any other: unknown
    check(
      await form("POST", "/services", [["host", "h.example"], ["__proto__[x]", "1"]]),
      400,
      // JSON.parse: in an object literal `__proto__` would set the prototype, not a key
      violation(JSON.parse('{"__proto__":"unknown field"}') as Json, "schema violation (__proto__: unknown field)"),
    );
    check(
      await form("POST", "/services", [["host", "h.example"], ["constructor.prototype.y", "1"]]),
      400,
      violation({ constructor: "unknown field" }, "schema violation (constructor: unknown field)"),
    );
    const protoJson = await raw("POST", "/services", '{"host":"h.example","__proto__":{"polluted":1},"toString":"x"}', "application/json");
    check(protoJson, 400);
    assert.deepEqual(Object.keys(protoJson.body.fields).sort(), ["__proto__", "toString"]);
    check(
      await form("POST", "/plugins", [["name", "tls-handshake-modifier"], ["config.hasOwnProperty", "1"]]),
      400,
      violation({ config: { hasOwnProperty: "unknown field" } }, "schema violation (config.hasOwnProperty: unknown field)"),
    );
    check(await form("PATCH", "/services/err-svc", [["__proto__[host]", "evil.example"]]), 400);
    check(await form("PATCH", "/services/err-svc", [["constructor", "x"]]), 400);

    // huge numbers
    check(await raw("POST", "/services", '{"host":"h.example","port":1e400}', "application/json"), 400);
    check(await raw("POST", "/services", '{"host":"h.example","retries":1e308}', "application/json"), 400);
    check(await form("POST", "/services", [["host", "h.example"], ["port", "9".repeat(400)]]), 400);
    check(await form("POST", "/routes", [["paths", "/n"], ["regex_priority", "1.5"]]), 400);

    // unicode and control characters where they do not belong
    check(await form("POST", "/services", [["host", "h.example"], ["name", "a\u0007b"]]), 400);
    check(await form("POST", "/services", [["host", "h\u00e9\u0000.example"]]), 400);
    check(await raw("POST", "/services", '{"host":"h.example","name":"a\\ud800"}', "application/json"), 400);
    check(await form("POST", "/services", [["host", "h.example"], ["tags", "a\u0000"]]), 400);

    // the process is alive and nothing changed
    assert.equal(t.process.exitCode, null);
    check(await adminJson(t, "GET", "/services?size=1000"), 200, before);
    check(await adminJson(t, "GET", "/routes?size=1000"), 200, beforeRoutes);
    check(await adminJson(t, "GET", "/plugins?size=1000"), 200, beforePlugins);
    assert.deepEqual(t.logs.filter((l) => l.msg === "admin request failed"), [], "no request failed unexpectedly (500)");

    // and it still takes good input, unicode names included
    const uni = check(await form("POST", "/services", [["host", "u.example"], ["name", "s\u00fcd-\u65e5\u672c"]]), 201);
    check(await adminJson(t, "GET", `/services/${encodeURIComponent("s\u00fcd-\u65e5\u672c")}`), 200, uni);
  });
});
