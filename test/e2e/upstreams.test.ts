// Kong's upstreams and targets (issue 13): the Admin API as Kong 3.x answers it, then load
// balancing across real loopback backends. The real `tether start` process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { curl, httpie, HTTPIE_SKIP } from "../helpers/clients.ts";
import { serveHttp, type AdHocServer } from "../helpers/servers.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

describe("upstreams and targets: Admin API", () => {
  let tether: Tether;
  before(async () => {
    tether = await startTether();
  });
  after(async () => {
    await tether.stop();
  });

  it("creates an upstream with Kong's defaults, the whole healthchecks tree included", async () => {
    const res = await adminJson(tether, "POST", "/upstreams", { name: "defaults.example", tags: ["t1"] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const u = res.body;
    assert.equal(u.algorithm, "round-robin");
    assert.equal(u.hash_on, "none");
    assert.equal(u.hash_fallback, "none");
    assert.equal(u.hash_on_cookie_path, "/");
    assert.equal(u.slots, 10000);
    assert.equal(u.use_srv_name, false);
    assert.equal(u.host_header, null);
    assert.equal(u.client_certificate, null);
    assert.deepEqual(u.healthchecks, {
      active: {
        type: "http",
        timeout: 1,
        concurrency: 10,
        http_path: "/",
        https_sni: null,
        https_verify_certificate: true,
        headers: null,
        healthy: { interval: 0, http_statuses: [200, 302], successes: 0 },
        unhealthy: { interval: 0, http_statuses: [429, 404, 500, 501, 502, 503, 504, 505], tcp_failures: 0, timeouts: 0, http_failures: 0 },
      },
      passive: {
        type: "http",
        healthy: { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 0 },
        unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 },
      },
      threshold: 0,
    });
    const got = await adminJson(tether, "GET", "/upstreams/defaults.example");
    assert.deepEqual(got.body, u);
    const list = await adminJson(tether, "GET", "/upstreams?tags=t1");
    assert.deepEqual(list.body.data.map((x: { name: string }) => x.name), ["defaults.example"]);
  });

  it("answers Kong's errors for names, hash fields and slots", async () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [{}, { name: "required field missing" }],
      [{ name: "10.0.0.1" }, { name: "Invalid name ('10.0.0.1'); no ip addresses allowed" }],
      [{ name: "api.example:80" }, { name: "Invalid name ('api.example:80'); no port allowed" }],
      [{ name: "bad name!" }, { name: "Invalid name ('bad name!'); must be a valid hostname" }],
      [{ name: "s.example", slots: 9 }, { slots: "value should be between 10 and 65536" }],
      [{ name: "s.example", algorithm: "random" }, { algorithm: "expected one of: consistent-hashing, least-connections, round-robin, latency" }],
      [
        { name: "h.example", hash_on: "header" },
        { "@entity": ["failed conditional validation given value of field 'hash_on'"], hash_on_header: "required field missing" },
      ],
      [
        { name: "h.example", hash_on: "cookie", hash_on_cookie: "c", hash_fallback: "ip" },
        { "@entity": ["failed conditional validation given value of field 'hash_on'"], hash_fallback: "expected one of: none" },
      ],
      [
        { name: "h.example", hash_on: "header", hash_on_header: "x-a", hash_fallback: "header", hash_fallback_header: "x-a" },
        { "@entity": ["values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'"] },
      ],
    ];
    for (const [body, fields] of cases) {
      const res = await adminJson(tether, "POST", "/upstreams", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 2);
      assert.equal(res.body.name, "schema violation");
      assert.deepEqual(res.body.fields, fields, JSON.stringify(body));
    }
  });

  it("applies Kong's algorithm shorthands: hash_on sets consistent-hashing, least-connections clears hash_on", async () => {
    const hashed = await adminJson(tether, "POST", "/upstreams", { name: "hashed.example", hash_on: "header", hash_on_header: "x-user" });
    assert.equal(hashed.status, 201, JSON.stringify(hashed.body));
    assert.equal(hashed.body.algorithm, "consistent-hashing");
    const lc = await adminJson(tether, "PATCH", "/upstreams/hashed.example", { algorithm: "least-connections", hash_on: "ip" });
    assert.equal(lc.status, 200, JSON.stringify(lc.body));
    assert.equal(lc.body.algorithm, "least-connections");
    assert.equal(lc.body.hash_on, "none");
    const dup = await adminJson(tether, "POST", "/upstreams", { name: "hashed.example" });
    assert.equal(dup.status, 409);
  });

  it("manages targets: default port 8000, weight 100, unique within the upstream, named by target", async () => {
    await adminJson(tether, "POST", "/upstreams", { name: "targets.example" });
    const created = await curl("-X", "POST", `${tether.admin}/upstreams/targets.example/targets`, "-d", "target=10.1.1.1");
    assert.equal(created.status, 201, created.raw);
    const t = created.body;
    assert.equal(t.target, "10.1.1.1:8000");
    assert.equal(t.weight, 100);
    assert.equal(typeof t.upstream.id, "string");
    const v6 = await adminJson(tether, "POST", "/upstreams/targets.example/targets", { target: "::1", weight: 0 });
    assert.equal(v6.body.target, "[::1]:8000");
    assert.equal(v6.body.weight, 0);

    const dup = await adminJson(tether, "POST", "/upstreams/targets.example/targets", { target: "10.1.1.1:8000" });
    assert.equal(dup.status, 409, JSON.stringify(dup.body));
    assert.equal(dup.body.name, "unique constraint violation");
    // The same address under another upstream is another target.
    await adminJson(tether, "POST", "/upstreams", { name: "other.example" });
    assert.equal((await adminJson(tether, "POST", "/upstreams/other.example/targets", { target: "10.1.1.1" })).status, 201);

    const bad = await adminJson(tether, "POST", "/upstreams/targets.example/targets", { target: "not a host", weight: 70000 });
    assert.equal(bad.status, 400);
    // Kong's DAO checks a new target before the schema: its message names no value (dao/targets.lua).
    assert.deepEqual(bad.body.fields, { target: "Invalid target; not a valid hostname or ip address" });
    const heavy = await adminJson(tether, "POST", "/upstreams/targets.example/targets", { target: "10.1.1.2", weight: 70000 });
    assert.deepEqual(heavy.body.fields, { weight: "value should be between 0 and 65535" });

    const byTarget = await adminJson(tether, "GET", "/upstreams/targets.example/targets/10.1.1.1:8000");
    assert.equal(byTarget.body.id, t.id);
    const patched = await adminJson(tether, "PATCH", `/upstreams/targets.example/targets/${t.id}`, { weight: 5 });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.weight, 5);
    // An update is judged by the schema's validator, which quotes the value (entities/targets.lua).
    const badPatch = await adminJson(tether, "PATCH", `/upstreams/targets.example/targets/${t.id}`, { target: "not a host" });
    assert.deepEqual(badPatch.body.fields, { target: "Invalid target ('not a host'); not a valid hostname or ip address" });
    const list = await adminJson(tether, "GET", "/upstreams/targets.example/targets");
    assert.equal(list.body.data.length, 2);
    assert.equal((await adminJson(tether, "GET", "/upstreams/other.example/targets/" + t.id)).status, 404);

    assert.equal((await adminJson(tether, "DELETE", "/upstreams/targets.example/targets/10.1.1.1:8000")).status, 204);
    assert.equal((await adminJson(tether, "GET", `/upstreams/targets.example/targets/${t.id}`)).status, 404);
    assert.equal((await adminJson(tether, "GET", "/upstreams/missing.example/targets")).status, 404);
    // Deleting the upstream takes its targets along.
    assert.equal((await adminJson(tether, "DELETE", "/upstreams/other.example")).status, 204);
  });

  it("reports health with Kong's shape; marking a target needs a healthchecker", async () => {
    await adminJson(tether, "POST", "/upstreams", { name: "health.example" });
    await adminJson(tether, "POST", "/upstreams/health.example/targets", { target: "10.2.2.2:80" });
    const health = await adminJson(tether, "GET", "/upstreams/health.example/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.next, null);
    assert.equal(typeof health.body.node_id, "string");
    assert.equal(health.body.data[0].target, "10.2.2.2:80");
    assert.equal(health.body.data[0].health, "HEALTHCHECKS_OFF");
    const put = await adminJson(tether, "PUT", "/upstreams/health.example/targets/10.2.2.2:80/unhealthy");
    assert.equal(put.status, 400);
    assert.deepEqual(put.body, { message: "no healthchecker found for health.example" });
  });

  it("takes httpie's JSON like any client", { skip: HTTPIE_SKIP }, async () => {
    const res = await httpie("POST", `${tether.admin}/upstreams`, "name=httpie.example", "algorithm=least-connections");
    assert.equal(res.status, 201, res.raw);
    assert.equal(res.body.algorithm, "least-connections");
  });
});

/** A backend that answers with its name (and the Host it was sent), or with `status()`. */
async function backend(name: string, status: () => number = () => 200): Promise<AdHocServer & { port: number }> {
  const server = await serveHttp((req, res) => {
    res.writeHead(status(), { "content-type": "application/json" });
    res.end(JSON.stringify({ name, host: req.headers.host }));
  });
  return { ...server, port: Number(new URL(server.url).port) };
}

describe("upstreams and targets: load balancing", () => {
  let tether: Tether;
  const servers: AdHocServer[] = [];
  let n = 0;
  before(async () => {
    tether = await startTether();
  });
  after(async () => {
    await tether.stop();
    await Promise.all(servers.map((s) => s.stop()));
  });

  const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`http://127.0.0.1:${tether.httpPort}${path}`, { headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  /** An upstream with these targets, a service on it and a route at `/{upstream}`; waits until it serves. */
  async function balanced(upstream: Record<string, unknown>, targets: { port: number; weight?: number }[]): Promise<string> {
    n += 1;
    const name = `lb${n}.upstream`;
    assert.equal((await adminJson(tether, "POST", "/upstreams", { name, ...upstream })).status, 201);
    for (const t of targets)
      assert.equal((await adminJson(tether, "POST", `/upstreams/${name}/targets`, { target: `127.0.0.1:${t.port}`, weight: t.weight ?? 100 })).status, 201);
    const svc = await adminJson(tether, "POST", "/services", { name: `svc-${n}`, host: name, port: 80 });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    assert.equal((await adminJson(tether, "POST", `/services/svc-${n}/routes`, { paths: [`/lb${n}`] })).status, 201);
    await waitFor(async () => (await get(`/lb${n}`)).status !== 404);
    return `/lb${n}`;
  }

  async function started(...names: string[]): Promise<(AdHocServer & { port: number })[]> {
    const out = await Promise.all(names.map((name) => backend(name)));
    servers.push(...out);
    return out;
  }

  it("round-robin spreads requests in proportion to weight; weight 0 gets none", async () => {
    const [a, b, c] = await started("a", "b", "c");
    const path = await balanced({}, [{ port: a!.port, weight: 100 }, { port: b!.port, weight: 50 }, { port: c!.port, weight: 0 }]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 300; i++) {
      const res = await get(path);
      assert.equal(res.status, 200);
      counts[res.body.name] = (counts[res.body.name] ?? 0) + 1;
    }
    assert.equal(counts["c"], 0);
    assert.ok(Math.abs(counts["a"]! - 200) <= 20 && Math.abs(counts["b"]! - 100) <= 20, JSON.stringify(counts));
  });

  it("consistent hashing on a header keeps each key on one target", async () => {
    const [a, b, c] = await started("h1", "h2", "h3");
    const path = await balanced({ hash_on: "header", hash_on_header: "x-user" }, [{ port: a!.port }, { port: b!.port }, { port: c!.port }]);
    const seen = new Set<string>();
    for (let user = 0; user < 20; user++) {
      const names = new Set<string>();
      for (let i = 0; i < 5; i++) names.add((await get(path, { "x-user": `user-${user}` })).body.name);
      assert.equal(names.size, 1, `user-${user} went to ${[...names].join(", ")}`);
      seen.add([...names][0]!);
    }
    assert.ok(seen.size > 1, "keys spread over the targets");
  });

  it("hashing on a cookie the client lacks sets Kong's cookie, and the client then sticks to one target", async () => {
    const [a, b, c] = await started("c1", "c2", "c3");
    const path = await balanced({ hash_on: "cookie", hash_on_cookie: "lb-id", hash_on_cookie_path: "/sticky" }, [{ port: a!.port }, { port: b!.port }, { port: c!.port }]);
    const seen = new Set<string>();
    for (let client = 0; client < 12; client++) {
      const first = await fetch(`http://127.0.0.1:${tether.httpPort}${path}`);
      const firstName = ((await first.json()) as { name: string }).name;
      const [cookie] = first.headers.getSetCookie();
      assert.match(cookie ?? "", /^lb-id=[0-9a-f-]{36}; Path=\/sticky; Same-Site=Lax; HttpOnly$/);
      const pair = cookie!.split(";")[0]!;
      for (let i = 0; i < 4; i++) {
        const next = await fetch(`http://127.0.0.1:${tether.httpPort}${path}`, { headers: { cookie: pair } });
        assert.deepEqual(next.headers.getSetCookie(), [], "a client with the cookie gets none");
        assert.equal(((await next.json()) as { name: string }).name, firstName, `${pair} stays on ${firstName}`);
      }
      seen.add(firstName);
    }
    assert.ok(seen.size > 1, "clients spread over the targets");
  });

  it("a killed target costs no request: retries go to another target", async () => {
    const [a, b] = await started("k1", "k2");
    const path = await balanced({}, [{ port: a!.port }, { port: b!.port }]);
    for (let i = 0; i < 10; i++) assert.equal((await get(path)).status, 200); // pooled connections to both
    await a!.stop();
    for (let i = 0; i < 40; i++) {
      const res = await get(path);
      assert.equal(res.status, 200);
      assert.equal(res.body.name, "k2");
    }
  });

  it("least-connections sends requests away from a target busy with one", async () => {
    const held: (() => void)[] = [];
    const holding = async (name: string): Promise<AdHocServer & { port: number }> => {
      const server = await serveHttp((req, res) => {
        const answer = (): void => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name }));
        if (req.headers["x-hold"]) held.push(answer);
        else answer();
      });
      servers.push(server);
      return { ...server, port: Number(new URL(server.url).port) };
    };
    const [a, b] = [await holding("l1"), await holding("l2")];
    const path = await balanced({ algorithm: "least-connections" }, [{ port: a.port }, { port: b.port }]);
    const busy = get(path, { "x-hold": "1" });
    await waitFor(async () => held.length === 1);
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add((await get(path)).body.name);
    held[0]!();
    const busyName = (await busy).body.name;
    assert.deepEqual([...names], [busyName === "l1" ? "l2" : "l1"]);
  });

  it("answers Kong's 503 when the upstream has no target to give", async () => {
    const path = await balanced({}, []);
    const res = await get(path);
    assert.equal(res.status, 503);
    assert.equal(res.body.message, "failure to get a peer from the ring-balancer");
  });

  it("sends the upstream's host_header, else the upstream name, as Host", async () => {
    const [a] = await started("hh");
    const plain = await balanced({}, [{ port: a!.port }]);
    assert.equal((await get(plain)).body.host, `lb${n}.upstream`);
    const withHeader = await balanced({ host_header: "backend.example" }, [{ port: a!.port }]);
    assert.equal((await get(withHeader)).body.host, "backend.example");
  });

  it("passive health checks take a failing target out; PUT healthy brings it back", async () => {
    let failing = false; // until the route serves (balanced() polls it)
    const bad = await backend("bad", () => (failing ? 500 : 200));
    servers.push(bad);
    const [good] = await started("good");
    const path = await balanced(
      { healthchecks: { passive: { unhealthy: { http_failures: 2 } } } },
      [{ port: bad.port }, { port: good!.port }],
    );
    const upstream = `lb${n}.upstream`;
    failing = true;
    let errors = 0;
    for (let i = 0; i < 20; i++) if ((await get(path)).status === 500) errors++;
    assert.equal(errors, 2, "two failures mark the target unhealthy");
    for (let i = 0; i < 10; i++) assert.equal((await get(path)).body.name, "good");
    const health = await adminJson(tether, "GET", `/upstreams/${upstream}/health`);
    const byTarget = Object.fromEntries(health.body.data.map((t: { target: string; health: string }) => [t.target, t.health]));
    assert.deepEqual(byTarget, { [`127.0.0.1:${bad.port}`]: "UNHEALTHY", [`127.0.0.1:${good!.port}`]: "HEALTHY" });

    failing = false;
    assert.equal((await adminJson(tether, "PUT", `/upstreams/${upstream}/targets/127.0.0.1:${bad.port}/healthy`)).status, 204);
    const names = new Set<string>();
    for (let i = 0; i < 10; i++) names.add((await get(path)).body.name);
    assert.deepEqual([...names].sort(), ["bad", "good"]);
  });
});

describe("upstreams and targets: the http-proxy engine", () => {
  let tether: Tether;
  const servers: AdHocServer[] = [];
  before(async () => {
    tether = await startTether({ env: { TETHER_FORWARDER: "http-proxy" } });
  });
  after(async () => {
    await tether.stop();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("a killed target costs no request: retries go to another target", async () => {
    const [a, b] = await Promise.all([backend("p1"), backend("p2")]);
    servers.push(a, b);
    assert.equal((await adminJson(tether, "POST", "/upstreams", { name: "hp.upstream" })).status, 201);
    for (const t of [a, b]) assert.equal((await adminJson(tether, "POST", "/upstreams/hp.upstream/targets", { target: `127.0.0.1:${t.port}` })).status, 201);
    assert.equal((await adminJson(tether, "POST", "/services", { name: "hp", host: "hp.upstream" })).status, 201);
    assert.equal((await adminJson(tether, "POST", "/services/hp/routes", { paths: ["/hp"] })).status, 201);
    const get = async (): Promise<{ status: number; name?: string }> => {
      const res = await fetch(`http://127.0.0.1:${tether.httpPort}/hp`);
      return res.status === 200 ? { status: 200, name: ((await res.json()) as { name: string }).name } : { status: res.status };
    };
    await waitFor(async () => (await get()).status === 200, 10_000);
    for (let i = 0; i < 10; i++) assert.equal((await get()).status, 200); // pooled connections to both
    await a.stop();
    for (let i = 0; i < 40; i++) assert.deepEqual(await get(), { status: 200, name: "p2" });
  });
});

describe("upstreams and targets: declarative configuration (DB-less POST /config, GET /config)", () => {
  let tether: Tether;
  let a: AdHocServer & { port: number };
  let b: AdHocServer & { port: number };
  before(async () => {
    [a, b] = await Promise.all([backend("d1"), backend("d2")]);
    tether = await startTether({ env: { TETHER_DATABASE: "off" } });
  });
  after(async () => {
    await tether.stop();
    await Promise.all([a.stop(), b.stop()]);
  });

  it("loads upstreams with nested targets, balances across them, and exports them nested", async () => {
    const doc = {
      _format_version: "3.0",
      upstreams: [{ name: "file.upstream", targets: [{ target: `127.0.0.1:${a.port}` }, { target: `127.0.0.1:${b.port}`, weight: 50 }] }],
      services: [{ name: "file-svc", host: "file.upstream", routes: [{ paths: ["/file"] }] }],
    };
    const loaded = await adminJson(tether, "POST", "/config", doc);
    assert.equal(loaded.status, 201, JSON.stringify(loaded.body));
    assert.equal(Object.keys(loaded.body.targets).length, 2);
    const targets = await adminJson(tether, "GET", "/upstreams/file.upstream/targets");
    assert.deepEqual(targets.body.data.map((t: { weight: number }) => t.weight).sort(), [100, 50].sort());
    await waitFor(async () => (await fetch(`http://127.0.0.1:${tether.httpPort}/file`)).status === 200);
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add(((await (await fetch(`http://127.0.0.1:${tether.httpPort}/file`)).json()) as { name: string }).name);
    assert.deepEqual([...names].sort(), ["d1", "d2"]);

    const exported = await adminJson(tether, "GET", "/config");
    const [upstream] = parse(exported.body.config).upstreams;
    assert.equal(upstream.name, "file.upstream");
    assert.deepEqual(upstream.targets.map((t: { target: string }) => t.target).sort(), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort());
  });
});
