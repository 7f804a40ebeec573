// file-log, http-log and proxy_access_log against a real Tether, the real IdP and certificate-bound
// tokens: file-log lines checked field by field against Kong's serializer; http-log deliveries to
// real log servers on 127.0.0.1 (one batch per request, batches of three, a server stopped and
// brought back, a server that hangs); the access log's lines; and, last, every log this file made
// searched for the tokens, cookies, secrets and keys it used.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import type { IncomingHttpHeaders, RequestListener } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLIENTS } from "../fixtures/idp/index.ts";
import { startEcho } from "../fixtures/upstream/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { serveHttp, type AdHocServer } from "../helpers/servers.ts";
import { adminJson, startTether, waitFor } from "../helpers/tether.ts";

const SESSION_SECRET = "log-suite-session-secret-7a1f93";
const LOG_SERVER_PASSWORD = "log-server-password-2c8e51";
const WORKSPACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Delivery {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A log server: records every request it gets; answers 200, or never (`hang`). */
function logServerHandler(deliveries: Delivery[], mode: "answer" | "hang" = "answer"): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (mode === "answer") res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  };
}

const portOf = (server: AdHocServer): number => Number(new URL(server.url).port);
const lines = (path: string): Record<string, any>[] =>
  existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>) : [];
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe("log plugins: file-log, http-log and proxy_access_log", () => {
  let s: Scenario;
  let dir: string;
  let fileLogPath: string;
  let accessLogPath: string;
  let single: AdHocServer; // receives /bound's entries one per request, and /batched's batches
  let flaky: AdHocServer; // stopped mid-run, then brought back
  let hanging: AdHocServer; // accepts, never answers
  const singleDeliveries: Delivery[] = [];
  const flakyDeliveries: Delivery[] = [];
  const hangingDeliveries: Delivery[] = [];
  /** Everything that must never appear in a log: filled as the tests use them. */
  const secrets = new Set<string>([SESSION_SECRET, LOG_SERVER_PASSWORD, CLIENTS.certBound.clientSecret, CLIENTS.gateway.clientSecret]);
  const remember = (value: string): string => (secrets.add(value), value);
  let token: string;
  let consumerId: string;
  let boundServiceId: string;
  const ids: Record<string, string> = {};

  /** A service on the echo upstream with one route, and its id. */
  async function plainRoute(name: string, path: string): Promise<string> {
    const service = await adminJson(s.tether, "POST", "/services", { name, url: s.echo.url });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    const route = await adminJson(s.tether, "POST", `/services/${name}/routes`, { name: `${name}-route`, paths: [path], strip_path: false });
    assert.equal(route.status, 201, JSON.stringify(route.body));
    return service.body.id as string;
  }

  async function plugin(path: string, body: Record<string, unknown>): Promise<void> {
    const res = await adminJson(s.tether, "POST", path, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }

  /** One request over mutual TLS (alice's certificate unless told), with its request id and duration. */
  async function call(path: string, opts: { token?: string; cert?: "alice" | "bob" | "none"; headers?: Record<string, string> } = {}) {
    const cert = opts.cert === "none" ? undefined : s.pki.clients[opts.cert ?? "alice"];
    const started = performance.now();
    const res = await tlsRequest({
      port: s.tether.httpsPort,
      path,
      cert,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    });
    return { ...res, id: String(res.headers["x-tether-request-id"]), ms: performance.now() - started };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tether-logs-"));
    fileLogPath = join(dir, "file-log.json");
    single = await serveHttp(logServerHandler(singleDeliveries));
    flaky = await serveHttp(logServerHandler(flakyDeliveries));
    hanging = await serveHttp(logServerHandler(hangingDeliveries, "hang"));
    // proxy_access_log as Kong's default names it: relative to the prefix.
    s = await startScenario({ keepPrefix: true, env: { TETHER_PROXY_ACCESS_LOG: "logs/access.log" } });
    accessLogPath = join(s.tether.prefix, "data", "logs", "access.log");
    const consumer = await adminJson(s.tether, "POST", "/consumers", { username: CLIENTS.certBound.clientId });
    consumerId = consumer.body.id as string;
    ({ serviceId: boundServiceId } = await s.protect("/bound", {
      auth_methods: ["bearer", "session"],
      session_secret: SESSION_SECRET,
      proof_of_possession_mtls: "strict",
      consumer_claim: ["sub"],
      client_id: [CLIENTS.gateway.clientId],
      client_secret: [CLIENTS.gateway.clientSecret],
    }));
    await plugin(`/services/${boundServiceId}/plugins`, {
      name: "http-log",
      config: { http_endpoint: `http://logger:${LOG_SERVER_PASSWORD}@127.0.0.1:${portOf(single)}/ingest?tenant=t1`, headers: { "X-Api-Key": "k1" } },
    });
    await plainRoute("batched", "/batched");
    await plugin("/services/batched/plugins", {
      name: "http-log",
      config: { http_endpoint: `${single.url}/batch`, method: "PUT", queue: { max_batch_size: 3, max_coalescing_delay: 3 } },
    });
    await plainRoute("retried", "/retried");
    await plugin("/services/retried/plugins", {
      name: "http-log",
      config: { http_endpoint: `${flaky.url}/retried`, queue: { initial_retry_delay: 0.05, max_retry_delay: 0.2 } },
    });
    await plainRoute("slow", "/slow");
    await plugin("/services/slow/plugins", { name: "http-log", config: { http_endpoint: `${hanging.url}/slow` } });
    await plainRoute("open", "/open");
    const httpsOnly = await adminJson(s.tether, "POST", "/services/open/routes", { name: "https-only", paths: ["/https-only"], protocols: ["https"] });
    assert.equal(httpsOnly.status, 201, JSON.stringify(httpsOnly.body));
    await plugin("/plugins", { name: "file-log", config: { path: fileLogPath } });
    token = remember(await s.token({ cert: s.pki.clients.alice }));
    await untilRouted(s.tether, "/open");
  });

  after(async () => {
    await s?.stop();
    await Promise.all([single?.stop(), flaky?.stop().catch(() => undefined), hanging?.stop()]);
    if (s) rmSync(s.tether.prefix, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("file-log: one line per request, Kong's kong.log.serialize() field by field, 404s included (global instance)", async () => {
    const startedAt = Date.now();
    const ok = await call("/bound?page=2", { token, headers: { "x-trace": "t1" } });
    assert.equal(ok.status, 200, ok.text);
    const session = remember(String(ok.headers["set-cookie"]).split(";", 1)[0]!);
    assert.match(session, /^session=/);
    const mismatch = await call("/bound", { token, cert: "bob" });
    assert.equal(mismatch.status, 401);
    const noCert = await call("/bound", { token, cert: "none" });
    assert.equal(noCert.status, 401);
    const bySession = await call("/bound", { headers: { cookie: session } });
    assert.equal(bySession.status, 200, bySession.text);
    const unmatched = await call("/nowhere");
    assert.equal(unmatched.status, 404);
    const open = await call(`/open?access_token=${token}&x=1`, { token, headers: { cookie: session } });
    assert.equal(open.status, 200);
    // An https-only route asked over plain http: Kong's 426, answered after the router matched.
    const upgrade = await fetch(`http://127.0.0.1:${s.tether.httpPort}/https-only`);
    assert.equal(upgrade.status, 426);
    const upgradeId = upgrade.headers.get("x-tether-request-id")!;
    Object.assign(ids, { ok: ok.id, mismatch: mismatch.id, noCert: noCert.id, bySession: bySession.id, unmatched: unmatched.id, open: open.id });
    // Every one of these requests' lines (the readiness probes before them are logged too).
    const awaited = [ok.id, mismatch.id, noCert.id, bySession.id, unmatched.id, open.id, upgradeId];
    await waitFor(async () => {
      const logged = new Set(lines(fileLogPath).map((e) => e["request"].id as string));
      return awaited.every((id) => logged.has(id));
    });
    const byId = new Map(lines(fileLogPath).map((e) => [e["request"].id as string, e]));
    assert.equal(statSync(fileLogPath).mode & 0o777, 0o644 & ~process.umask());

    const entry = byId.get(ok.id)!;
    const route = (await adminJson(s.tether, "GET", `/services/${boundServiceId}/routes`)).body.data[0];
    const service = (await adminJson(s.tether, "GET", `/services/${boundServiceId}`)).body;
    const consumer = (await adminJson(s.tether, "GET", `/consumers/${consumerId}`)).body;
    assert.deepEqual(Object.keys(entry).sort(), [
      "authenticated_entity", "client_ip", "consumer", "latencies", "request", "response", "route", "service", "source",
      "started_at", "tries", "upstream_status", "upstream_uri", "workspace", "workspace_name",
    ]);
    const { request } = entry;
    assert.deepEqual(Object.keys(request).sort(), ["headers", "id", "method", "querystring", "size", "tls", "uri", "url"]);
    assert.equal(request.uri, "/bound?page=2");
    assert.equal(request.url, `https://127.0.0.1:${s.tether.httpsPort}/bound?page=2`);
    assert.deepEqual(request.querystring, { page: "2" });
    assert.equal(request.method, "GET");
    assert.equal(request.headers["authorization"], "REDACTED");
    assert.equal(request.headers["host"], `127.0.0.1:${s.tether.httpsPort}`);
    assert.equal(request.headers["x-trace"], "t1");
    assert.equal(request.headers["x-forwarded-for"], undefined, "the client's headers, not the upstream's");
    assert.ok(Number.isInteger(request.size) && request.size > 100, String(request.size));
    assert.equal(request.tls.version, "TLSv1.3");
    assert.match(request.tls.cipher, /^TLS_/);
    assert.notEqual(request.tls.client_verify, "NONE", "a certificate was presented");
    assert.equal(byId.get(noCert.id)!["request"].tls.client_verify, "NONE");
    assert.equal(entry["upstream_uri"], "/bound?page=2");
    assert.equal(entry["upstream_status"], "200");
    assert.equal(entry["response"].status, 200);
    assert.equal(entry["response"].headers["x-tether-request-id"], ok.id);
    assert.equal(entry["response"].headers["set-cookie"], "REDACTED");
    assert.ok(entry["response"].size > 0);
    const { latencies } = entry;
    for (const key of ["kong", "proxy", "request", "receive"]) assert.ok(Number.isInteger(latencies[key]) && latencies[key] >= 0, `${key}: ${latencies[key]}`);
    assert.ok(latencies.request >= latencies.proxy);
    assert.equal(entry["tries"].length, 1);
    assert.deepEqual({ ...entry["tries"][0], balancer_start: 0 }, { balancer_start: 0, ip: "127.0.0.1", port: s.echo.port, balancer_latency: 0 });
    assert.deepEqual(entry["route"], route);
    assert.deepEqual(entry["service"], service);
    assert.deepEqual(entry["consumer"], consumer);
    assert.equal(entry["authenticated_entity"].consumer_id, consumerId);
    assert.equal(entry["client_ip"], "127.0.0.1");
    assert.ok(entry["started_at"] >= startedAt && entry["started_at"] <= Date.now());
    assert.equal(entry["source"], "upstream");
    assert.match(entry["workspace"], WORKSPACE_ID);
    assert.equal(entry["workspace_name"], "default");

    // A plugin's answer: no upstream status (""), nothing proxied (-1), no tries, source kong.
    const refused = byId.get(mismatch.id)!;
    assert.equal(refused["response"].status, 401);
    assert.equal(refused["upstream_status"], "");
    assert.equal(refused["latencies"].proxy, -1);
    assert.equal(refused["tries"], undefined);
    assert.equal(refused["source"], "kong");
    assert.equal(refused["consumer"], undefined);
    assert.match(refused["response"].headers["www-authenticate"], /does not match the x5t#S256 claim/);

    // No route: a global file-log sees it, with no route or service (Kong runs global plugins).
    const lost = byId.get(unmatched.id)!;
    assert.equal(lost["response"].status, 404);
    assert.equal(lost["route"], undefined);
    assert.equal(lost["service"], undefined);
    assert.equal(lost["upstream_uri"], "");
    // The 426 is the matched route's request: logged with its route and service, nothing proxied.
    const upgraded = byId.get(upgradeId)!;
    assert.deepEqual([upgraded["response"].status, upgraded["route"]?.name, upgraded["service"]?.name], [426, "https-only", "open"]);
    assert.deepEqual([upgraded["upstream_status"], upgraded["tries"], upgraded["source"]], ["", undefined, "kong"]);

    // Redaction: Authorization as Kong; beyond Kong, cookies and credential query arguments.
    const redacted = byId.get(open.id)!;
    assert.equal(redacted["request"].uri, "/open?access_token=REDACTED&x=1");
    assert.deepEqual(redacted["request"].querystring, { access_token: "REDACTED", x: "1" });
    assert.equal(redacted["request"].headers["cookie"], "REDACTED");
    assert.equal(redacted["upstream_uri"], "/open?access_token=REDACTED&x=1");
  });

  it("http-log: one JSON object per request, as Kong sends it: user info as Basic, custom headers, the same entry as file-log", async () => {
    await waitFor(async () => singleDeliveries.filter((d) => d.url.startsWith("/ingest")).length >= 4);
    const fileLines = new Map(readFileSync(fileLogPath, "utf8").split("\n").filter(Boolean).map((l) => [JSON.parse(l).request.id as string, l]));
    const delivered = singleDeliveries.filter((d) => d.url.startsWith("/ingest"));
    assert.deepEqual(delivered.map((d) => JSON.parse(d.body).request.id), [ids["ok"], ids["mismatch"], ids["noCert"], ids["bySession"]]);
    for (const d of delivered) {
      assert.equal(d.method, "POST");
      assert.equal(d.url, "/ingest?tenant=t1");
      assert.equal(d.headers["content-type"], "application/json");
      assert.equal(Number(d.headers["content-length"]), Buffer.byteLength(d.body));
      assert.equal(d.headers["authorization"], `Basic ${Buffer.from(`logger:${LOG_SERVER_PASSWORD}`).toString("base64")}`);
      assert.equal(d.headers["x-api-key"], "k1");
      assert.equal(d.headers["host"], `127.0.0.1:${portOf(single)}`);
      // Byte for byte the line file-log wrote for the same request.
      assert.equal(d.body, fileLines.get(JSON.parse(d.body).request.id));
    }
  });

  it("http-log batches: max_batch_size 3 sends a full batch at once as a JSON array, a partial one after max_coalescing_delay", async () => {
    const batchIds: string[] = [];
    for (let i = 0; i < 4; i++) batchIds.push((await call(`/batched?n=${i}`)).id);
    const fourthAt = Date.now();
    await waitFor(async () => singleDeliveries.some((d) => d.url === "/batch"));
    const first = singleDeliveries.filter((d) => d.url === "/batch");
    assert.equal(first.length, 1, "the fourth entry waits for its batch to fill or the delay to pass");
    assert.equal(first[0]!.method, "PUT");
    const batch = JSON.parse(first[0]!.body) as Record<string, any>[];
    assert.ok(Array.isArray(batch));
    assert.deepEqual(batch.map((e) => e["request"].id), batchIds.slice(0, 3));
    assert.deepEqual(batch.map((e) => e["request"].querystring), [{ n: "0" }, { n: "1" }, { n: "2" }]);
    await waitFor(async () => singleDeliveries.filter((d) => d.url === "/batch").length === 2, 8_000);
    assert.ok(Date.now() - fourthAt >= 2_500, `the partial batch waited ${Date.now() - fourthAt} ms of the 3 s delay`);
    const rest = JSON.parse(singleDeliveries.filter((d) => d.url === "/batch")[1]!.body) as Record<string, any>[];
    assert.deepEqual(rest.map((e) => e["request"].id), [batchIds[3]], "a batch of one is still an array when max_batch_size > 1 (Kong)");
  });

  it("http-log: a log server stopped mid-run gets the entries retried when it is back; proxying meanwhile does not wait", async () => {
    const before = await call("/retried?phase=before");
    await waitFor(async () => flakyDeliveries.length === 1);
    const port = portOf(flaky);
    await flaky.stop();
    const during: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < 5; i++) during.push(await call(`/retried?phase=during&i=${i}`));
    assert.ok(during.every((r) => r.status === 200));
    assert.ok(Math.max(...during.map((r) => r.ms)) < 1_000, `proxied while the log server was down: ${during.map((r) => Math.round(r.ms)).join(", ")} ms`);
    await waitFor(async () => s.tether.logs.some((l) => String(l.msg).includes("handler could not process entries: failed request to 127.0.0.1:")));
    assert.equal(flakyDeliveries.length, 1);
    flaky = await serveHttp(logServerHandler(flakyDeliveries), port);
    await waitFor(async () => flakyDeliveries.length === 6, 10_000);
    assert.deepEqual(
      flakyDeliveries.map((d) => JSON.parse(d.body).request.id),
      [before.id, ...during.map((r) => r.id)],
      "every entry arrives, in order",
    );
    const warning = s.tether.logs.find((l) => String(l.msg).includes("handler could not process entries"))!;
    assert.equal(warning.level, "warn");
    assert.match(String(warning.msg), new RegExp(`^\\[http-log\\] queue http://127\\.0\\.0\\.1:${port}/retried:POST:application/json:10000:60000:nil: handler could not process entries: failed request to 127\\.0\\.0\\.1:${port}: `));
  });

  it("http-log: a log server that never answers does not slow proxied requests (well under the 10 s timeout)", async () => {
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) baseline.push((await call("/open?baseline")).ms);
    const first = await call("/slow?i=0");
    await waitFor(async () => hangingDeliveries.length === 1); // the log server holds that delivery open
    const during: number[] = [first.ms];
    for (let i = 1; i < 8; i++) {
      const res = await call(`/slow?i=${i}`);
      assert.equal(res.status, 200);
      during.push(res.ms);
    }
    assert.equal(hangingDeliveries.length, 1, "still waiting for the first answer");
    assert.ok(Math.max(...during) < 1_000, `while the log server hung: ${during.map(Math.round).join(", ")} ms`);
    assert.ok(median(during) < median(baseline) + 100, `median ${median(during)} ms vs ${median(baseline)} ms without http-log`);
  });

  it("the Admin API knows both plugins: their schemas, and Kong's refusals", async () => {
    const fileSchema = await adminJson(s.tether, "GET", "/schemas/plugins/file-log");
    assert.equal(fileSchema.status, 200);
    const fileConfig = fileSchema.body.fields.find((f: Record<string, unknown>) => "config" in f).config;
    assert.deepEqual(fileConfig.fields.map((f: Record<string, unknown>) => Object.keys(f)[0]), ["path", "reopen", "custom_fields_by_lua"]);
    const httpSchema = await adminJson(s.tether, "GET", "/schemas/plugins/http-log");
    const httpConfig = httpSchema.body.fields.find((f: Record<string, unknown>) => "config" in f).config;
    const queue = httpConfig.fields.find((f: Record<string, unknown>) => "queue" in f).queue;
    assert.deepEqual(queue.fields.find((f: Record<string, unknown>) => "max_entries" in f).max_entries, {
      type: "integer", required: true, default: 10000, between: [1, 1000000], description: "Maximum number of entries that can be waiting on the queue.",
    });
    const refuse = async (body: Record<string, unknown>, message: string): Promise<void> => {
      const res = await adminJson(s.tether, "POST", "/plugins", body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.message, message);
    };
    await refuse({ name: "file-log", config: { path: "/tmp/*.log" } }, "schema violation (config.path: not a valid filename)");
    await refuse({ name: "file-log", config: { path: "/tmp/x.log", custom_fields_by_lua: { a: "return 1" } } },
      "schema violation (config.custom_fields_by_lua: Tether does not run Lua: custom_fields_by_lua must be null or empty)");
    await refuse({ name: "http-log", config: { http_endpoint: "http://x", headers: { Host: "y" } }, route: null }, "schema violation (config.headers: cannot contain 'Host' header)");
    await refuse({ name: "http-log", config: { http_endpoint: "http://u:p@x", headers: { Authorization: "Basic eA==" } } },
      "schema violation (config: specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed)");
  });

  it("the access log (proxy_access_log = logs/access.log, under the prefix): every request, its route, consumer and binding decision", async () => {
    await waitFor(async () => lines(accessLogPath).some((l) => l["request_id"] === ids["open"]));
    const byId = new Map(lines(accessLogPath).map((l) => [l["request_id"] as string, l]));
    const ok = byId.get(ids["ok"]!)!;
    assert.deepEqual(Object.keys(ok), ["time", "msg", "request_id", "client_ip", "method", "uri", "status", "source", "route", "service", "consumer", "latencies", "auth"]);
    assert.equal(ok["msg"], "access");
    assert.equal(ok["status"], 200);
    assert.equal(ok["uri"], "/bound?page=2");
    assert.equal(ok["client_ip"], "127.0.0.1");
    assert.equal(ok["service"].id, boundServiceId);
    assert.deepEqual(ok["consumer"], { id: consumerId, username: CLIENTS.certBound.clientId, custom_id: null });
    assert.deepEqual(ok["auth"], { plugin: "openid-connect", binding: "match", refused: null });
    assert.equal(typeof ok["latencies"].request, "number");
    assert.deepEqual(byId.get(ids["mismatch"]!)!["auth"], { plugin: "openid-connect", binding: "mismatch", refused: "binding" });
    assert.equal(byId.get(ids["noCert"]!)!["auth"].binding, "no_certificate");
    assert.equal(byId.get(ids["bySession"]!)!["status"], 200);
    const lost = byId.get(ids["unmatched"]!)!;
    assert.deepEqual([lost["status"], lost["route"], lost["service"], lost["auth"]], [404, null, null, null]);
    assert.equal(byId.get(ids["open"]!)!["uri"], "/open?access_token=REDACTED&x=1");
  });

  it("no token, session cookie, client secret, password or private key in any log this suite made (the node stopped: everything written)", async () => {
    assert.equal(await s.tether.stop(), 0);
    const key = s.pki.clients.alice.key.split("\n").filter((l) => l && !l.startsWith("-----"));
    secrets.add(key[Math.floor(key.length / 2)]!);
    const session = [...secrets].find((v) => v.startsWith("session="))!;
    secrets.add(session.slice("session=".length));
    const outputs: Record<string, string> = {
      "file-log": readFileSync(fileLogPath, "utf8"),
      access: readFileSync(accessLogPath, "utf8"),
      "http-log": [...singleDeliveries, ...flakyDeliveries, ...hangingDeliveries].map((d) => d.body).join("\n"),
      stdout: s.tether.logs.map((l) => JSON.stringify(l)).join("\n"),
      stderr: s.tether.stderr.join("\n"),
    };
    assert.ok(outputs["file-log"]!.split("\n").length > 20 && outputs["access"]!.length > 0 && outputs["http-log"]!.length > 0);
    for (const [name, text] of Object.entries(outputs))
      for (const secret of secrets) assert.ok(!text.includes(secret), `${name} contains ${secret.slice(0, 12)}…`);
    // The drain at shutdown: every request of the suite is in the access log.
    assert.ok(lines(accessLogPath).length >= lines(fileLogPath).length);
  });
});

describe("proxy_access_log = stdout, with --workers 2", () => {
  it("every worker writes its requests' lines to the node's stdout, beside its own log lines; 404s too", async () => {
    const echo = await startEcho();
    const t = await startTether({ env: { TETHER_PROXY_ACCESS_LOG: "stdout", TETHER_WORKERS: "2" } });
    try {
      assert.equal((await adminJson(t, "POST", "/services", { name: "w", url: echo.url })).status, 201);
      assert.equal((await adminJson(t, "POST", "/services/w/routes", { name: "w-route", paths: ["/w"] })).status, 201);
      await waitFor(async () => {
        const { version, applied_version } = (await adminJson(t, "GET", "/status")).body.configuration;
        return applied_version >= version; // the lowest of both workers
      }, 5_000);
      // Each request on a new connection, which the primary hands to the workers in turn.
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(String((await tlsRequest({ port: t.httpsPort, path: `/w?i=${i}` })).headers["x-tether-request-id"]));
      const lost = String((await tlsRequest({ port: t.httpsPort, path: "/nowhere" })).headers["x-tether-request-id"]);
      const access = () => new Map(t.logs.filter((l) => l.msg === "access").map((l) => [l["request_id"] as string, l]));
      await waitFor(async () => [...ids, lost].every((id) => access().has(id)), 5_000);
      for (const [i, id] of ids.entries()) {
        const line = access().get(id)!;
        assert.equal(line["status"], 200);
        assert.equal(line["uri"], `/w?i=${i}`);
        assert.equal((line["route"] as { name: string }).name, "w-route");
      }
      assert.deepEqual([access().get(lost)!["status"], access().get(lost)!["route"]], [404, null]);
    } finally {
      await t.stop();
      await echo.stop();
    }
  });
});
