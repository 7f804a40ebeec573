// Kong's Status API on `status_listen` (kong/status/init.lua), against real `tether start`
// processes: GET /status (the Admin API's), GET /status/ready with Kong's 200/503 rules (an empty
// DB-less configuration, a database that went away, draining), GET /metrics, 404 elsewhere; `off`
// turns it off and `ssl` serves it over TLS.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { postgresMissing, startPostgres, type Postgres } from "../fixtures/postgres/index.ts";
import { adminJson, adminRequest, startTether, waitFor, type AdminResponse, type Tether } from "../helpers/tether.ts";

const READY = { message: "ready" };

/** A request to the node's Status API, parsed as the Admin API helpers do. */
function status(t: Tether, method: string, path: string, body?: string, contentType?: string): Promise<AdminResponse> {
  assert.ok(t.statusPort, "the Status API is listening");
  return adminRequest({ admin: `http://127.0.0.1:${t.statusPort}` }, method, path, body, contentType);
}

function check(res: AdminResponse, code: number, body?: unknown): any {
  assert.equal(res.status, code, `expected ${code}, got ${res.status}: ${JSON.stringify(res.body)}`);
  if (body !== undefined) assert.deepEqual(res.body, body);
  return res.body;
}

describe("the Status API of a node (127.0.0.1:0 in tests; Kong's 127.0.0.1:8007 by default)", () => {
  let t: Tether;
  before(async () => {
    t = await startTether();
  });
  after(() => t?.stop());

  it("listens on its own port and says so in the start-up log", () => {
    const line = t.logs.find((l) => l.msg === "status listening");
    assert.ok(line, "a `status listening` line");
    assert.equal(line["port"], t.statusPort);
    assert.notEqual(t.statusPort, t.adminPort);
  });

  it("GET /status answers as the Admin API's", async () => {
    const [fromStatus, fromAdmin] = [check(await status(t, "GET", "/status"), 200), check(await adminJson(t, "GET", "/status"), 200)];
    assert.deepEqual(Object.keys(fromStatus).sort(), Object.keys(fromAdmin).sort());
    assert.deepEqual(fromStatus.database, { reachable: true });
    assert.deepEqual(fromStatus.configuration, fromAdmin.configuration);
    assert.deepEqual(Object.keys(fromStatus.server).sort(), Object.keys(fromAdmin.server).sort());
  });

  it("GET /status/ready: 200 ready; only on the Status API", async () => {
    check(await status(t, "GET", "/status/ready"), 200, READY);
    check(await adminJson(t, "GET", "/status/ready"), 404, { message: "Not found" });
  });

  it("GET /metrics: Kong's node gauges in the Prometheus text format, also on the Admin API", async () => {
    const { node_id } = check(await adminJson(t, "GET", "/"), 200);
    for (const base of [`http://127.0.0.1:${t.statusPort}`, t.admin]) {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
      const text = await res.text();
      assert.match(text, new RegExp(`^kong_node_info\\{node_id="${node_id}",version="3\\.9\\.0"[^}]*\\} 1$`, "m"));
      assert.match(text, /^kong_datastore_reachable 1$/m);
      assert.match(text, /^kong_nginx_connections_total\{[^}]*state="accepted"[^}]*\} \d+$/m);
      // No prometheus instance configured: no per-request families (Kong exports the node gauges only).
      assert.doesNotMatch(text, /kong_http_requests_total/);
    }
    assert.ok((check(await adminJson(t, "GET", "/endpoints"), 200).data as string[]).includes("/metrics"));
  });

  it("read-only: entities are not there (404), a known path refuses other methods (405)", async () => {
    check(await status(t, "GET", "/services"), 404, { message: "Not found" });
    check(await status(t, "GET", "/no-such-path"), 404, { message: "Not found" });
    check(await status(t, "POST", "/status"), 405, { message: "Method not allowed" });
    check(await status(t, "DELETE", "/metrics"), 405, { message: "Method not allowed" });
  });

  it("POST /status/ready status=draining (Kong 3.9's `kong drain`): 204, then 503 draining for good", async () => {
    check(await status(t, "POST", "/status/ready", "status=ready", "application/x-www-form-urlencoded"), 400);
    check(await status(t, "GET", "/status/ready"), 200, READY);
    check(await status(t, "POST", "/status/ready", "status=draining", "application/x-www-form-urlencoded"), 204);
    check(await status(t, "GET", "/status/ready"), 503, { message: "draining" });
    check(await status(t, "POST", "/status/ready", JSON.stringify({ status: "draining" }), "application/json"), 204);
    check(await status(t, "GET", "/status/ready"), 503, { message: "draining" });
    check(await status(t, "GET", "/status"), 200); // everything else keeps answering
  });
});

describe("status_listen", () => {
  it("off: no Status API", async () => {
    const t = await startTether({ env: { TETHER_STATUS_LISTEN: "off" } });
    try {
      assert.equal(t.statusPort, undefined);
      assert.ok(!t.logs.some((l) => l.msg === "status listening"));
      assert.deepEqual(check(await adminJson(t, "GET", "/"), 200).configuration.status_listen, []);
    } finally {
      await t.stop();
    }
  });

  it("ssl: served over TLS with the node's default certificate", async () => {
    const t = await startTether({ env: { TETHER_STATUS_LISTEN: "127.0.0.1:0 ssl" } });
    try {
      assert.equal(t.logs.find((l) => l.msg === "status listening")?.["ssl"], true);
      const body = await new Promise<string>((resolve, reject) =>
        https
          .get({ host: "127.0.0.1", port: t.statusPort, path: "/status/ready", rejectUnauthorized: false, agent: false }, (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve(`${res.statusCode} ${text}`));
          })
          .on("error", reject),
      );
      assert.equal(body, `200 ${JSON.stringify(READY)}`);
    } finally {
      await t.stop();
    }
  });
});

describe("GET /status/ready on a DB-less node with two workers", () => {
  it("503 with an empty configuration, 200 once POST /config gave it one", async () => {
    const t = await startTether({ env: { TETHER_DATABASE: "off", TETHER_WORKERS: "2" } });
    try {
      // Until both workers have reported their first build: Kong's "router ready in X of N workers".
      await waitFor(async () => !/^router builds not yet complete/.test((await status(t, "GET", "/status/ready")).body.message), 5_000, 20);
      check(await status(t, "GET", "/status/ready"), 503, { message: "no configuration available (empty configuration present)" });
      assert.equal(check(await status(t, "GET", "/status"), 200).configuration_hash, "00000000000000000000000000000000");
      const config = ['_format_version: "3.0"', "services:", "- name: s", "  url: http://127.0.0.1:9", "  routes:", "  - paths: [/s]"].join("\n");
      check(await adminJson(t, "POST", "/config", { config }), 201);
      await waitFor(async () => (await status(t, "GET", "/status/ready")).status === 200, 5_000, 50);
      check(await status(t, "GET", "/status/ready"), 200, READY);
    } finally {
      await t.stop();
    }
  });
});

const pgMissing = postgresMissing() ?? false;

describe("GET /status/ready and kong_datastore_reachable when the database goes away", { skip: pgMissing }, () => {
  let pg: Postgres;
  let t: Tether;
  before(async () => {
    pg = await startPostgres();
    await pg.createDatabase("status");
    t = await startTether({ env: { ...pg.env("status"), TETHER_PG_TIMEOUT: "1000" } });
  });
  after(async () => {
    await t?.stop();
    await pg?.destroy();
  });

  it("503 failed to connect to database, and back to 200 when it returns", async () => {
    const reachable = async (): Promise<string | undefined> =>
      /^kong_datastore_reachable (\d)$/m.exec(await (await fetch(`http://127.0.0.1:${t.statusPort}/metrics`)).text())?.[1];
    check(await status(t, "GET", "/status/ready"), 200, READY);
    assert.equal(await reachable(), "1");
    await pg.stop();
    try {
      check(await status(t, "GET", "/status/ready"), 503, { message: "failed to connect to database" });
      assert.deepEqual(check(await status(t, "GET", "/status"), 200).database, { reachable: false });
      assert.equal(await reachable(), "0");
    } finally {
      await pg.start();
    }
    await waitFor(async () => (await status(t, "GET", "/status/ready")).status === 200, 15_000, 200);
    assert.equal(await reachable(), "1");
  });
});
