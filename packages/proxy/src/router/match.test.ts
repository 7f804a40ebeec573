// Route matching as Kong's traditional_compatible router does it (reference 2.1, 2.2): per-attribute
// rules, the priority order between routes, and services left out when disabled.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Route, Service } from "@tether/core";
import { compileRouter, type RequestFacts, type RouteMatch } from "./match.ts";

let seq = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`;

function service(overrides: Partial<Service> = {}): Service {
  return {
    id: uuid(),
    created_at: 1_700_000_000,
    updated_at: 1_700_000_000,
    tags: null,
    name: null,
    protocol: "http",
    host: "upstream.test",
    port: 80,
    path: null,
    retries: 5,
    connect_timeout: 60_000,
    write_timeout: 60_000,
    read_timeout: 60_000,
    client_certificate: null,
    tls_verify: null,
    tls_verify_depth: null,
    ca_certificates: null,
    enabled: true,
    ...overrides,
  };
}

function route(svc: Service, overrides: Partial<Route>): Route {
  return {
    id: uuid(),
    created_at: 1_700_000_000,
    updated_at: 1_700_000_000,
    tags: null,
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
    service: { id: svc.id },
    ...overrides,
  };
}

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { method: "GET", host: "gateway.test", port: 8000, path: "/", scheme: "http", headers: {}, sni: undefined, ...overrides };
}

const svc = service();

/** Compiles the routes (all on `svc` unless given) and returns the matching route's name, or undefined. */
function winner(routes: Route[], f: Partial<RequestFacts>, services: Service[] = [svc]): string | undefined {
  const router = compileRouter(routes, new Map(services.map((s) => [s.id, s])));
  return router.match(facts(f))?.route.name ?? undefined;
}

function match(r: Route, f: Partial<RequestFacts>): RouteMatch | undefined {
  return compileRouter([r], new Map([[svc.id, svc]])).match(facts(f));
}

describe("router: paths", () => {
  it("a plain path is a string prefix, with no segment boundary (/foo matches /foobar)", () => {
    const r = route(svc, { paths: ["/foo"] });
    for (const path of ["/foo", "/foo/", "/foo/bar", "/foobar"]) assert.ok(match(r, { path }), path);
    for (const path of ["/", "/fo", "/bar/foo", "/Foo"]) assert.equal(match(r, { path }), undefined, path);
  });

  it("any one of several paths matches (OR within the attribute)", () => {
    const r = route(svc, { paths: ["/a", "/b"] });
    assert.ok(match(r, { path: "/a/1" }));
    assert.ok(match(r, { path: "/b/1" }));
    assert.equal(match(r, { path: "/c" }), undefined);
  });

  it("the matched prefix is what strip_path strips; nothing when strip_path is off", () => {
    assert.equal(match(route(svc, { paths: ["/foo"] }), { path: "/foobar" })?.strippedPrefix, "/foo");
    assert.equal(match(route(svc, { paths: ["/foo"], strip_path: false }), { path: "/foo/x" })?.strippedPrefix, undefined);
  });

  it("a ~ path is a regex anchored at the start, not at the end", () => {
    const r = route(svc, { paths: ["~/api/v\\d+"] });
    assert.ok(match(r, { path: "/api/v1" }));
    assert.ok(match(r, { path: "/api/v22/users" }));
    assert.equal(match(r, { path: "/x/api/v1" }), undefined);
    assert.equal(match(r, { path: "/api/vx" }), undefined);
  });

  it("a regex ending in $ is anchored at both ends", () => {
    const r = route(svc, { paths: ["~/exact$"] });
    assert.ok(match(r, { path: "/exact" }));
    assert.equal(match(r, { path: "/exact/more" }), undefined);
  });

  it("a regex is compiled as the Admin API validated it (unicode mode: \\p{…} classes)", () => {
    const r = route(svc, { paths: ["~/names/\\p{L}+$"] });
    assert.ok(match(r, { path: "/names/abc" }));
    assert.equal(match(r, { path: "/names/123" }), undefined);
  });

  it("regex captures: named and numbered; the whole match is the stripped prefix", () => {
    const m = match(route(svc, { paths: ["~/users/(?<id>\\d+)/(\\w+)"] }), { path: "/users/42/orders/7" });
    assert.ok(m);
    assert.equal(m.captures?.["id"], "42");
    assert.equal(m.captures?.["1"], "42");
    assert.equal(m.captures?.["2"], "orders");
    assert.equal(m.strippedPrefix, "/users/42/orders");
  });
});

describe("router: hosts", () => {
  it("a plain host is compared for equality (port of the Host header split off by the caller)", () => {
    const r = route(svc, { hosts: ["example.com"] });
    assert.ok(match(r, { host: "example.com" }));
    assert.equal(match(r, { host: "a.example.com" }), undefined);
    assert.equal(match(r, { host: "example.com.evil" }), undefined);
  });

  it("a leftmost wildcard is a suffix match on '.example.com'", () => {
    const r = route(svc, { hosts: ["*.example.com"] });
    assert.ok(match(r, { host: "a.example.com" }));
    assert.ok(match(r, { host: "x.y.example.com" }));
    assert.equal(match(r, { host: "example.com" }), undefined);
    assert.equal(match(r, { host: "aexample.com" }), undefined);
  });

  it("a rightmost wildcard is a prefix match on 'example.'", () => {
    const r = route(svc, { hosts: ["example.*"] });
    assert.ok(match(r, { host: "example.com" }));
    assert.ok(match(r, { host: "example.org" }));
    assert.equal(match(r, { host: "www.example.com" }), undefined);
    assert.equal(match(r, { host: "example" }), undefined);
  });

  it("host:port also requires the port the request arrived on", () => {
    const r = route(svc, { hosts: ["example.com:8000"] });
    assert.ok(match(r, { host: "example.com", port: 8000 }));
    assert.equal(match(r, { host: "example.com", port: 8443 }), undefined);
    assert.equal(match(r, { host: "other.com", port: 8000 }), undefined);
  });

  it("any one host of the list matches", () => {
    const r = route(svc, { hosts: ["a.test", "*.b.test"] });
    assert.ok(match(r, { host: "a.test" }));
    assert.ok(match(r, { host: "x.b.test" }));
    assert.equal(match(r, { host: "c.test" }), undefined);
  });
});

describe("router: methods, headers, snis and AND across attributes", () => {
  it("methods: exact upper-case equality", () => {
    const r = route(svc, { methods: ["GET", "POST"] });
    assert.ok(match(r, { method: "GET" }));
    assert.ok(match(r, { method: "POST" }));
    assert.equal(match(r, { method: "DELETE" }), undefined);
    assert.equal(match(r, { method: "get" }), undefined);
  });

  it("headers: name and value case-insensitive, any value of the list", () => {
    const r = route(svc, { headers: { "X-Version": ["V1", "v2"] } });
    assert.ok(match(r, { headers: { "x-version": "v1" } }));
    assert.ok(match(r, { headers: { "x-version": "V2" } }));
    assert.equal(match(r, { headers: { "x-version": "v3" } }), undefined);
    assert.equal(match(r, { headers: {} }), undefined);
  });

  it("headers: any occurrence of a repeated header may match", () => {
    const r = route(svc, { headers: { "x-tag": ["blue"] } });
    assert.ok(match(r, { headers: { "x-tag": ["red", "Blue"] } }));
    assert.equal(match(r, { headers: { "x-tag": ["red", "green"] } }), undefined);
  });

  it("headers: a ~* value is a regex over the lower-cased value", () => {
    const r = route(svc, { headers: { "x-env": ["~*^prod-\\d+$"] } });
    assert.ok(match(r, { headers: { "x-env": "PROD-12" } }));
    assert.ok(match(r, { headers: { "x-env": "prod-7" } }));
    assert.equal(match(r, { headers: { "x-env": "staging-1" } }), undefined);
    assert.equal(match(r, { headers: { "x-env": "prod-1x" } }), undefined);
  });

  it("headers: a ~* pattern with upper-case letters still matches (Kong lower-cases it too)", () => {
    const r = route(svc, { headers: { "x-env": ["~*^PROD-\\d+$"] } });
    assert.ok(match(r, { headers: { "x-env": "prod-3" } }));
    assert.ok(match(r, { headers: { "x-env": "PROD-3" } }));
    assert.equal(match(r, { headers: { "x-env": "prod-x" } }), undefined);
  });

  it("a route whose regex does not compile is left out instead of failing the whole router", () => {
    const bad = route(svc, { name: "bad-header", paths: ["/a"], headers: { "x-a": ["~*("] } });
    const badPath = route(svc, { name: "bad-path", paths: ["~/a/(", "/a/b"] });
    const good = route(svc, { name: "good", paths: ["/a"] });
    const router = compileRouter([bad, badPath, good], new Map([[svc.id, svc]]));
    assert.equal(router.match(facts({ path: "/a/x", headers: { "x-a": "(" } }))?.route.name, "good");
    assert.equal(router.match(facts({ path: "/a/b" }))?.route.name, "bad-path", "its valid paths still route");
  });

  it("headers: every header name must match (AND)", () => {
    const r = route(svc, { headers: { "x-a": ["1"], "x-b": ["2"] } });
    assert.ok(match(r, { headers: { "x-a": "1", "x-b": "2" } }));
    assert.equal(match(r, { headers: { "x-a": "1" } }), undefined);
  });

  it("snis: checked on https requests only", () => {
    const r = route(svc, { snis: ["sni.test", "*.wild.test"], paths: ["/s"] });
    assert.ok(match(r, { scheme: "https", sni: "sni.test", path: "/s" }));
    assert.ok(match(r, { scheme: "https", sni: "a.wild.test", path: "/s" }));
    assert.equal(match(r, { scheme: "https", sni: "other.test", path: "/s" }), undefined);
    assert.equal(match(r, { scheme: "https", sni: undefined, path: "/s" }), undefined);
    assert.ok(match(r, { scheme: "http", sni: undefined, path: "/s" }), "ignored on plain http");
  });

  it("a request must satisfy every attribute the route sets", () => {
    const r = route(svc, { methods: ["POST"], hosts: ["api.test"], paths: ["/v1"], headers: { "x-k": ["y"] } });
    const ok = { method: "POST", host: "api.test", path: "/v1/x", headers: { "x-k": "y" } };
    assert.ok(match(r, ok));
    assert.equal(match(r, { ...ok, method: "GET" }), undefined);
    assert.equal(match(r, { ...ok, host: "other.test" }), undefined);
    assert.equal(match(r, { ...ok, path: "/v2" }), undefined);
    assert.equal(match(r, { ...ok, headers: {} }), undefined);
  });
});

describe("router: priority (reference 2.2)", () => {
  /** Both insertion orders must give the same winner (no accidental first-come-first-served). */
  function both(a: Route, b: Route, f: Partial<RequestFacts>): [string | undefined, string | undefined] {
    return [winner([a, b], f), winner([b, a], f)];
  }

  it("hosts + paths beats a longer paths-only route", () => {
    const a = route(svc, { name: "hosts+paths", hosts: ["api.test"], paths: ["/a"] });
    const b = route(svc, { name: "long-path", paths: ["/a/long/path"] });
    assert.deepEqual(both(a, b, { host: "api.test", path: "/a/long/path/x" }), ["hosts+paths", "hosts+paths"]);
    assert.deepEqual(both(a, b, { host: "other.test", path: "/a/long/path/x" }), ["long-path", "long-path"]);
  });

  it("methods + paths beats a longer paths-only route (more attributes first)", () => {
    const a = route(svc, { name: "methods+paths", methods: ["GET"], paths: ["/a"] });
    const b = route(svc, { name: "long-path", paths: ["/a/b/c"] });
    assert.deepEqual(both(a, b, { path: "/a/b/c" }), ["methods+paths", "methods+paths"]);
  });

  it("plain hosts beat wildcard hosts with the same attributes", () => {
    const a = route(svc, { name: "plain", hosts: ["api.test"], paths: ["/a"] });
    const b = route(svc, { name: "wild", hosts: ["*.test"], paths: ["/a/longer"] });
    assert.deepEqual(both(a, b, { host: "api.test", path: "/a/longer" }), ["plain", "plain"]);
  });

  it("more header names win among otherwise equal routes", () => {
    const a = route(svc, { name: "two", paths: ["/a"], headers: { "x-a": ["1"], "x-b": ["2"] } });
    const b = route(svc, { name: "one", paths: ["/a/longer"], headers: { "x-a": ["1"] } });
    assert.deepEqual(both(a, b, { path: "/a/longer", headers: { "x-a": "1", "x-b": "2" } }), ["two", "two"]);
  });

  it("any regex path beats any prefix path", () => {
    const a = route(svc, { name: "regex", paths: ["~/users/\\w+"] });
    const b = route(svc, { name: "prefix", paths: ["/users/profile/settings"] });
    assert.deepEqual(both(a, b, { path: "/users/profile/settings" }), ["regex", "regex"]);
  });

  it("a prefix route with more attributes still beats a regex route", () => {
    const a = route(svc, { name: "regex", paths: ["~/users/\\w+"] });
    const b = route(svc, { name: "prefix+hosts", hosts: ["api.test"], paths: ["/users"] });
    assert.deepEqual(both(a, b, { host: "api.test", path: "/users/x" }), ["prefix+hosts", "prefix+hosts"]);
  });

  it("between regex routes, the higher regex_priority wins", () => {
    const a = route(svc, { name: "high", paths: ["~/v\\d"], regex_priority: 10 });
    const b = route(svc, { name: "low", paths: ["~/v1/items/\\d+$"], regex_priority: 1 });
    assert.deepEqual(both(a, b, { path: "/v1/items/3" }), ["high", "high"]);
    const c = route(svc, { name: "negative", paths: ["~/v1/items/\\d+$"], regex_priority: -5 });
    const d = route(svc, { name: "zero", paths: ["~/v\\d"] });
    assert.deepEqual(both(c, d, { path: "/v1/items/3" }), ["zero", "zero"]);
  });

  it("between prefix routes, the longest prefix wins", () => {
    const a = route(svc, { name: "short", paths: ["/a"] });
    const b = route(svc, { name: "long", paths: ["/a/b"] });
    assert.deepEqual(both(a, b, { path: "/a/b/c" }), ["long", "long"]);
    assert.deepEqual(both(a, b, { path: "/a/c" }), ["short", "short"]);
  });

  it("each path of a route competes with its own length", () => {
    const a = route(svc, { name: "split", paths: ["/x", "/very/long/prefix"] });
    const b = route(svc, { name: "middle", paths: ["/very/long"] });
    assert.deepEqual(both(a, b, { path: "/very/long/prefix/z" }), ["split", "split"]);
    assert.deepEqual(both(a, b, { path: "/very/long/q" }), ["middle", "middle"]);
  });
});

describe("router: services", () => {
  it("routes of a disabled service are left out; a lower-priority route answers instead", () => {
    const off = service({ enabled: false });
    const specific = route(off, { name: "disabled", paths: ["/a/b"] });
    const general = route(svc, { name: "general", paths: ["/a"] });
    const router = compileRouter([specific, general], new Map([off, svc].map((s) => [s.id, s])));
    assert.equal(router.size, 1);
    assert.equal(router.match(facts({ path: "/a/b" }))?.route.name, "general");
    assert.equal(winner([specific], { path: "/a/b" }, [off]), undefined);
  });

  it("the match carries the route's service", () => {
    const other = service({ host: "other.test" });
    const r = route(other, { paths: ["/o"] });
    const m = compileRouter([r], new Map([[other.id, other]])).match(facts({ path: "/o" }));
    assert.equal(m?.service.host, "other.test");
  });

  it("routes without a (known) service are left out", () => {
    assert.equal(winner([route(svc, { paths: ["/a"], service: null })], { path: "/a" }), undefined);
    assert.equal(winner([route(service(), { paths: ["/a"] })], { path: "/a" }), undefined);
  });
});
