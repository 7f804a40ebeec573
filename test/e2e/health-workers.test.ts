// Upstream health with `--workers 2` (issue 13): the primary holds the node's target health, the
// workers share every transition through it, one worker probes. Requests open a new connection
// each (agent: false), which node:cluster hands to the workers in turn: of 40, each worker serves
// 20, and a worker that did not know a target's state would send it about 10 of them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serveHttp } from "../helpers/servers.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";
import { childPids, getOnNewConnection } from "../helpers/workers.ts";

interface Backend {
  name: string;
  target: string;
  /** When each probe (a request to `/probe`) arrived. */
  probes: number[];
  /** Requests other than probes (proxied traffic). */
  traffic: number;
  /** The status `/probe` answers. */
  probeStatus: number;
  stop(): Promise<void>;
}

async function backend(name: string): Promise<Backend> {
  const b: Backend = { name, target: "", probes: [], traffic: 0, probeStatus: 200, stop: async () => undefined };
  const server = await serveHttp((req, res) => {
    if (req.url === "/probe") {
      b.probes.push(Date.now());
      res.writeHead(b.probeStatus).end();
      return;
    }
    b.traffic += 1;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name }));
  });
  b.target = `127.0.0.1:${new URL(server.url).port}`;
  b.stop = () => server.stop();
  return b;
}

/** Status and, from a backend's 200, its name. */
async function get(port: number, path: string): Promise<{ status: number; name?: string }> {
  const { status, body } = await getOnNewConnection(port, path);
  return { status, ...(status === 200 ? (JSON.parse(body) as { name: string }) : {}) };
}

describe("upstream health across proxy workers", () => {
  let t: Tether;
  const backends: Backend[] = [];
  let n = 0;

  before(async () => {
    t = await startTether({ env: { TETHER_WORKERS: "2" } });
    await waitFor(async () => new Set(t.logs.filter((l) => l.msg === "proxy listening").map((l) => l["worker"])).size === 2, 10_000);
  });
  after(async () => {
    await t.stop();
    await Promise.all(backends.map((b) => b.stop()));
  });

  /** Two backends behind an upstream with `healthchecks`, a service and a route; waits until it serves. */
  async function balanced(healthchecks: Record<string, unknown>): Promise<{ upstream: string; path: string; a: Backend; b: Backend }> {
    n += 1;
    const [a, b] = [await backend("a"), await backend("b")];
    backends.push(a, b);
    const upstream = `hw${n}.upstream`;
    assert.equal((await adminJson(t, "POST", "/upstreams", { name: upstream, healthchecks })).status, 201);
    for (const x of [a, b]) assert.equal((await adminJson(t, "POST", `/upstreams/${upstream}/targets`, { target: x.target })).status, 201);
    assert.equal((await adminJson(t, "POST", "/services", { name: `hw-svc-${n}`, host: upstream, port: 80 })).status, 201);
    assert.equal((await adminJson(t, "POST", `/services/hw-svc-${n}/routes`, { paths: [`/hw${n}`] })).status, 201);
    // Both workers serve it: a streak of new connections answered.
    let streak = 0;
    await waitFor(async () => {
      streak = (await get(t.httpPort, `/hw${n}`)).status === 200 ? streak + 1 : 0;
      return streak >= 10;
    }, 10_000);
    return { upstream, path: `/hw${n}`, a, b };
  }

  const healthOf = async (upstream: string, b: Backend): Promise<string | undefined> => {
    const res = await adminJson(t, "GET", `/upstreams/${upstream}/health`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data.find((x: { target: string }) => x.target === b.target)?.health;
  };

  /** Who answered each of `count` requests on new connections. */
  const answers = async (path: string, count = 40): Promise<Record<string, number>> => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      const res = await get(t.httpPort, path);
      assert.equal(res.status, 200);
      seen[res.name!] = (seen[res.name!] ?? 0) + 1;
    }
    return seen;
  };

  it("PUT …/unhealthy and …/healthy on the primary reach every worker", async () => {
    const { upstream, path, a } = await balanced({ passive: { unhealthy: { http_failures: 3 } } });
    assert.equal(await healthOf(upstream, a), "HEALTHY");
    assert.equal((await adminJson(t, "PUT", `/upstreams/${upstream}/targets/${a.target}/unhealthy`)).status, 204);
    assert.equal(await healthOf(upstream, a), "UNHEALTHY");
    assert.deepEqual(await answers(path), { b: 40 });

    assert.equal((await adminJson(t, "PUT", `/upstreams/${upstream}/targets/${a.target}/healthy`)).status, 204);
    assert.equal(await healthOf(upstream, a), "HEALTHY");
    // Each worker alternates a and b: 20 for a when both take it back, about 10 if one did.
    const seen = await answers(path);
    assert.ok((seen["a"] ?? 0) >= 16, JSON.stringify(seen));
  });

  it("one worker probes; what it finds is on the Admin API and in every worker, a replaced worker included", async () => {
    const healthy = { interval: 0.2, successes: 2 };
    const { upstream, path, a, b } = await balanced({
      active: { http_path: "/probe", timeout: 1, healthy, unhealthy: { interval: 0.2, http_failures: 2 } },
    });
    a.probeStatus = 500;
    await waitFor(async () => (await healthOf(upstream, a)) === "UNHEALTHY", 15_000);
    const trafficBefore = a.traffic;
    assert.deepEqual(await answers(path), { b: 40 });
    assert.equal(a.traffic, trafficBefore);

    // One prober's rate: at most one probe per 0.2 s interval (two probers would make about 20 in 2 s).
    const probesIn = async (x: Backend, ms: number): Promise<number> => {
      const from = x.probes.length;
      await new Promise((r) => setTimeout(r, ms));
      return x.probes.length - from;
    };
    const [ofA, ofB] = await Promise.all([probesIn(a, 2_000), probesIn(b, 2_000)]);
    assert.ok(ofA >= 3 && ofA <= 12, `${ofA} probes of the unhealthy target in 2 s`);
    assert.ok(ofB >= 3 && ofB <= 12, `${ofB} probes of the healthy target in 2 s`);

    // Both original workers die, one after the other (one was the prober): the node keeps probing
    // from one worker, and the replacements start from the node's state.
    // Each replacement listens before the next kill: the node never runs out of workers.
    const listening = (): number => t.logs.filter((l) => l.msg === "proxy listening").length;
    for (const victim of childPids(t.process.pid!)) {
      const before = listening();
      process.kill(victim, "SIGKILL");
      await waitFor(async () => listening() > before, 30_000);
    }
    assert.deepEqual(await answers(path), { b: 40 });
    const [againA, againB] = await Promise.all([probesIn(a, 2_000), probesIn(b, 2_000)]);
    assert.ok(againA >= 3 && againA <= 12, `${againA} probes of the unhealthy target in 2 s after the replacements`);
    assert.ok(againB >= 3 && againB <= 12, `${againB} probes of the healthy target in 2 s after the replacements`);

    // The probes bring it back, in every worker.
    a.probeStatus = 200;
    await waitFor(async () => (await healthOf(upstream, a)) === "HEALTHY", 15_000);
    const seen = await answers(path);
    assert.ok((seen["a"] ?? 0) >= 16, JSON.stringify(seen));
  });
});
