// `tether start --workers N` (TETHER_WORKERS): proxy workers converge on Admin API changes within a
// second, /status sums them, a dead worker is replaced; SIGTERM drains in-flight requests, exits 0.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEcho, type Echo } from "../fixtures/upstream/index.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";
import { childPids, getOnNewConnection } from "../helpers/workers.ts";

const get = async (port: number, path: string): Promise<number> => (await getOnNewConnection(port, path)).status;

describe("proxy workers", () => {
  let t: Tether;
  let echo: Echo;

  before(async () => {
    echo = await startEcho();
    t = await startTether({ env: { TETHER_WORKERS: "2" } });
    await waitFor(async () => childPids(t.process.pid!).length === 2, 10_000);
  });
  after(async () => {
    await t.stop();
    await echo.stop();
  });

  it("runs two worker processes that both log their listeners", async () => {
    await waitFor(async () => new Set(t.logs.filter((l) => l.msg === "proxy listening").map((l) => l["worker"])).size === 2, 10_000);
  });

  it("every worker enforces an Admin API change within a second", async () => {
    assert.equal((await adminJson(t, "POST", "/services", { name: "w", url: echo.url })).status, 201);
    const created = Date.now();
    assert.equal((await adminJson(t, "POST", "/services/w/routes", { paths: ["/w"] })).status, 201);
    // New connections are spread over the workers: 20 answers in a row means all of them have it.
    let streak = 0;
    await waitFor(async () => {
      streak = (await get(t.httpPort, "/w")) === 200 ? streak + 1 : 0;
      return streak >= 20;
    }, 3_000, 5);
    assert.ok(Date.now() - created < 1_000 + 200, `converged in ${Date.now() - created} ms`);
  });

  it("GET /status reports the stored config version and the lowest one the workers apply", async () => {
    const status = async () => (await adminJson(t, "GET", "/status")).body.configuration as { version: number; applied_version: number };
    const before = await status();
    assert.equal((await adminJson(t, "POST", "/services", { name: "v", url: echo.url })).status, 201);
    const after = await status();
    assert.equal(after.version, before.version + 1);
    await waitFor(async () => (await status()).applied_version === after.version, 3_000, 50);
  });

  it("GET /status sums the workers' counters", async () => {
    const before = (await adminJson(t, "GET", "/status")).body.server.total_requests as number;
    for (let i = 0; i < 30; i++) await get(t.httpPort, "/w");
    await waitFor(async () => (await adminJson(t, "GET", "/status")).body.server.total_requests >= before + 30, 3_000, 100);
  });

  it("replaces a worker that dies, and keeps serving", async () => {
    const [victim] = childPids(t.process.pid!);
    process.kill(victim!, "SIGKILL");
    await waitFor(async () => {
      const pids = childPids(t.process.pid!);
      return pids.length === 2 && !pids.includes(victim!);
    }, 10_000);
    // The replacement can be forked while this process has not read the line before it yet.
    await waitFor(async () => t.logs.some((l) => l.msg === "proxy worker died; starting another"), 2_000);
    for (let i = 0; i < 10; i++) assert.equal(await get(t.httpPort, "/w"), 200);
  });
});

describe("graceful shutdown", () => {
  it("SIGTERM lets an in-flight request finish, refuses new connections, exits 0", async () => {
    const echo = await startEcho();
    const t = await startTether();
    try {
      await adminJson(t, "POST", "/services", { name: "slow", url: echo.url });
      await adminJson(t, "POST", "/services/slow/routes", { paths: ["/"] });
      await waitFor(async () => (await get(t.httpPort, "/")) === 200);
      const inflight = get(t.httpPort, "/delay/1500");
      await new Promise((r) => setTimeout(r, 300));
      const exited = t.stop();
      await new Promise((r) => setTimeout(r, 200));
      await assert.rejects(get(t.httpPort, "/"), /ECONNREFUSED|ECONNRESET/);
      assert.equal(await inflight, 200);
      assert.equal(await exited, 0);
      assert.ok(t.logs.some((l) => l.msg === "stopped"));
    } finally {
      await t.stop();
      await echo.stop();
    }
  });
});
