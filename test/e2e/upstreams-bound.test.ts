// Certificate-bound tokens through a load-balanced service (issue 13): the real IdP issues tokens
// bound to alice's and bob's certificates, openid-connect enforces the binding (strict) on a route
// whose service is an upstream of three real loopback targets. A target killed mid-traffic costs
// no request (the retry policy retargets), the binding holds throughout, the target comes back
// after active probes find it again; hash_on consumer keeps each consumer on one target.
import assert from "node:assert/strict";
import type http from "node:http";
import { after, before, describe, it } from "node:test";
import { thumbprint, type Pem } from "../fixtures/pki/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { serveHttp, type AdHocServer } from "../helpers/servers.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

/** One upstream target: answers its name and the consumer the gateway named; `/probe` is for health checks. */
interface Target {
  name: string;
  port: number;
  /** Proxied requests (not probes) it answered. */
  traffic: number;
  server: AdHocServer;
}

const handlerFor = (t: Pick<Target, "name" | "traffic">): http.RequestListener => (req, res) => {
  if (req.url === "/probe") {
    res.writeHead(200).end();
    return;
  }
  t.traffic += 1;
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: t.name, consumer: req.headers["x-consumer-id"] ?? null }));
};

/** A target on 127.0.0.1 (on `port` to bring a stopped one back under the same address). */
async function startTarget(name: string, port = 0): Promise<Target> {
  const t = { name, traffic: 0 };
  const server = await serveHttp(handlerFor(t), port);
  return Object.assign(t, { port: Number(new URL(server.url).port), server });
}

/** Active http probes every 0.2 s: two failed connects take a target out, two answers bring it back. */
const HEALTHCHECKS = {
  active: {
    http_path: "/probe",
    timeout: 1,
    healthy: { interval: 0.2, successes: 2 },
    unhealthy: { interval: 0.2, tcp_failures: 2, http_failures: 2, timeouts: 2 },
  },
};

describe("certificate-bound tokens through a balanced service", () => {
  let s: Scenario;
  const targets: Target[] = [];
  let aliceToken: string;
  let bobToken: string;

  const call = (path: string, token: string, cert: Pem | undefined) =>
    tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${token}` }, cert });

  /** An upstream over `members`, and `path` protected (strict binding) with its service aimed at it. */
  async function balancedRoute(upstream: Record<string, unknown> & { name: string }, members: Target[], path: string, oidc: Record<string, unknown> = {}): Promise<void> {
    const created = await adminJson(s.tether, "POST", "/upstreams", upstream);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const t of members) {
      const target = await adminJson(s.tether, "POST", `/upstreams/${upstream.name}/targets`, { target: `127.0.0.1:${t.port}` });
      assert.equal(target.status, 201, JSON.stringify(target.body));
    }
    const { serviceId } = await s.protect(path, { proof_of_possession_mtls: "strict", ...oidc });
    const patched = await adminJson(s.tether, "PATCH", `/services/${serviceId}`, { protocol: "http", host: upstream.name, port: 80 });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await untilApplied(s.tether);
    await waitFor(async () => (await call(path, aliceToken, s.pki.clients.alice)).status === 200, 10_000);
  }

  const health = async (upstream: string, t: Target): Promise<string | undefined> => {
    const res = await adminJson(s.tether, "GET", `/upstreams/${upstream}/health`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.data as { target: string; health: string }[]).find((x) => x.target === `127.0.0.1:${t.port}`)?.health;
  };

  before(async () => {
    s = await startScenario();
    aliceToken = await s.token({ cert: s.pki.clients.alice });
    bobToken = await s.token({ cert: s.pki.clients.bob });
  });
  after(async () => {
    await Promise.all(targets.map((t) => t.server.stop()));
    await s.stop();
  });

  it("a target killed mid-traffic fails no bound request, the binding holds throughout, and the target comes back", async () => {
    const members = await Promise.all(["a", "b", "c"].map((name) => startTarget(name)));
    targets.push(...members);
    const upstream = "bound.upstream";
    await balancedRoute({ name: upstream, healthchecks: HEALTHCHECKS }, members, "/bound");
    for (const t of members) await waitFor(async () => (await health(upstream, t)) === "HEALTHY", 10_000);

    const bound: { status: number; name?: string }[] = [];
    const refused: { status: number; challenge: unknown }[] = [];
    const deadline = Date.now() + 3_000;
    const loop = async (record: () => Promise<void>): Promise<void> => {
      while (Date.now() < deadline) await record();
    };
    const boundLoop = () =>
      loop(async () => {
        const res = await call("/bound", aliceToken, s.pki.clients.alice);
        bound.push({ status: res.status, name: (res.body as { name?: string } | undefined)?.name });
      });
    const refusedLoop = (cert: Pem | undefined) =>
      loop(async () => {
        const res = await call("/bound", aliceToken, cert);
        refused.push({ status: res.status, challenge: res.headers["www-authenticate"] });
      });
    const victim = members[1]!;
    const kill = (async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      await victim.server.stop();
    })();
    await Promise.all([boundLoop(), boundLoop(), boundLoop(), boundLoop(), refusedLoop(s.pki.clients.bob), refusedLoop(undefined), kill]);

    assert.ok(bound.length >= 20, `enough traffic: ${bound.length}`);
    assert.deepEqual(bound.filter((r) => r.status !== 200), [], "every bound request answered 200");
    assert.deepEqual([...new Set(bound.map((r) => r.name))].sort(), ["a", "b", "c"], "all three targets served before the kill");
    assert.ok(refused.length >= 4, `enough refused traffic: ${refused.length}`);
    for (const r of refused) {
      assert.equal(r.status, 401);
      assert.match(String(r.challenge), /^Bearer realm="localhost", error="invalid_token"/);
    }

    await waitFor(async () => (await health(upstream, victim)) === "UNHEALTHY", 15_000);
    const back = await startTarget("b", victim.port);
    targets.push(back);
    await waitFor(async () => (await health(upstream, back)) === "HEALTHY", 15_000);
    // Back in rotation: bound requests reach it again.
    await waitFor(async () => {
      const res = await call("/bound", aliceToken, s.pki.clients.alice);
      assert.equal(res.status, 200, res.text);
      return back.traffic > 0;
    }, 15_000);
    // And the binding still holds on it.
    const mismatch = await call("/bound", aliceToken, s.pki.clients.bob);
    assert.equal(mismatch.status, 401);
  });

  it("hash_on consumer: each consumer (mapped from its token's certificate thumbprint) stays on one target", async () => {
    const members = await Promise.all(["c1", "c2", "c3"].map((name) => startTarget(name)));
    targets.push(...members);
    const consumers: Record<"alice" | "bob", string> = { alice: "", bob: "" };
    for (const who of ["alice", "bob"] as const) {
      const res = await adminJson(s.tether, "POST", "/consumers", { username: who, custom_id: thumbprint(s.pki.clients[who].cert) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      consumers[who] = res.body.id as string;
    }
    await balancedRoute({ name: "consumer.upstream", hash_on: "consumer" }, members, "/by-consumer", {
      consumer_claim: ["cnf", "x5t#S256"],
      consumer_by: ["custom_id"],
    });

    for (const [who, token] of [["alice", aliceToken], ["bob", bobToken]] as const) {
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const res = await call("/by-consumer", token, s.pki.clients[who]);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.consumer, consumers[who], "the target saw the consumer the hash used");
        seen.add(res.body.name as string);
      }
      assert.equal(seen.size, 1, `${who}'s requests all went to one target: ${[...seen].join(", ")}`);
    }
    // Control: the same upstream without the hash spreads alice's requests (round-robin).
    const unhashed = await adminJson(s.tether, "PATCH", "/upstreams/consumer.upstream", { algorithm: "round-robin", hash_on: "none" });
    assert.equal(unhashed.status, 200, JSON.stringify(unhashed.body));
    await untilApplied(s.tether);
    const spread = new Set<string>();
    for (let i = 0; i < 9; i++) spread.add((await call("/by-consumer", aliceToken, s.pki.clients.alice)).body.name as string);
    assert.ok(spread.size > 1, `round-robin spreads: ${[...spread].join(", ")}`);
  });
});
