import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upstreamSchema, fillNulls, validateRecord, type ConfigData, type Service, type Target, type Upstream } from "@tether/core";
import { Balancing } from "./balancing.ts";
import { compileBalancers, type CompiledBalancer } from "./compile-balancers.ts";
import { buildRing, ringWalk } from "./hash-ring.ts";
import { buildWheel } from "./wheel.ts";

const UPSTREAM_ID = "7d1c3a3e-0f7e-4b8e-9a59-1f6a3b7c0d01";

function upstream(fields: Record<string, unknown> = {}): Upstream {
  const input: Record<string, unknown> = { id: UPSTREAM_ID, created_at: 1, updated_at: 1, name: "u.test", ...fields };
  assert.equal(validateRecord(upstreamSchema, input), undefined);
  return fillNulls(input, upstreamSchema) as unknown as Upstream;
}

function compiled(u: Upstream, weights: number[]): CompiledBalancer {
  const service = { id: "svc", host: "u.test", port: 80, retries: 5 } as Service;
  const targets = weights.map(
    (weight, i) => ({ id: `t${i}`, created_at: i, upstream: { id: UPSTREAM_ID }, target: `10.0.0.${i + 1}:80`, weight }) as Target,
  );
  const data = { services: [service], upstreams: [u], targets } as unknown as Pick<ConfigData, "services" | "upstreams" | "targets">;
  return compileBalancers(data).get("svc")!;
}

const hostOf = (b: Balancing, c: CompiledBalancer, key?: string): string | undefined => {
  const lease = b.lease(c, { value: key });
  lease?.end(undefined);
  return lease?.current.service.host;
};

describe("round-robin wheel", () => {
  it("holds slots in proportion to weight, interleaved, none for weight 0", () => {
    assert.deepEqual(buildWheel([100, 50, 0]), [0, 1, 0]);
    const wheel = buildWheel([3, 1]);
    assert.deepEqual(wheel.filter((i) => i === 0).length, 3);
    assert.deepEqual(buildWheel([0, 0]), []);
  });

  it("a balancer walks it: shares follow weights", () => {
    const b = new Balancing();
    const c = compiled(upstream(), [200, 100, 0]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const host = hostOf(b, c)!;
      counts.set(host, (counts.get(host) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { "10.0.0.1": 200, "10.0.0.2": 100 });
  });
});

describe("consistent hashing", () => {
  it("keeps a key on one target and moves few keys when a target goes", () => {
    const three = buildRing([{ target: "a:1", weight: 100 }, { target: "b:1", weight: 100 }, { target: "c:1", weight: 100 }], 1000);
    const two = buildRing([{ target: "a:1", weight: 100 }, { target: "b:1", weight: 100 }, { target: "c:1", weight: 0 }], 1000);
    let moved = 0;
    for (let k = 0; k < 300; k++) {
      const before = ringWalk(three, `key-${k}`).next().value;
      assert.equal(ringWalk(three, `key-${k}`).next().value, before);
      const after = ringWalk(two, `key-${k}`).next().value;
      if (before !== 2 && after !== before) moved++;
    }
    assert.equal(moved, 0, "keys of the remaining targets stay where they were");
  });

  it("skips an unhealthy target for the next one on the ring", () => {
    const b = new Balancing();
    const c = compiled(upstream({ hash_on: "header", hash_on_header: "x", algorithm: "consistent-hashing", healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } } }), [100, 100]);
    const first = hostOf(b, c, "k")!;
    b.health.setHealthy(UPSTREAM_ID, `${first}:80`, false);
    const second = hostOf(b, c, "k")!;
    assert.notEqual(second, first);
  });
});

describe("least-connections, health and retries", () => {
  it("least-connections prefers the target with fewer requests in flight", () => {
    const b = new Balancing();
    const c = compiled(upstream({ algorithm: "least-connections" }), [100, 100]);
    const held = b.lease(c, { value: undefined })!;
    assert.notEqual(hostOf(b, c), held.current.service.host);
    held.end(undefined);
  });

  it("passive failures past the threshold take a target out; a retry goes to another target", () => {
    const b = new Balancing();
    const c = compiled(upstream({ healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } } }), [100, 100]);
    const lease = b.lease(c, { value: undefined })!;
    const first = lease.current.service.host;
    const next = lease.retry({ kind: "tcp" })!;
    assert.notEqual(next.service.host, first);
    assert.equal(next.service.retries, 0, "the pool does not retry on the same target");
    lease.end({ kind: "status", status: 200 });
    assert.equal(b.isHealthy(UPSTREAM_ID, `${first}:80`), false);
    for (let i = 0; i < 4; i++) assert.equal(hostOf(b, c), next.service.host);
  });

  it("no target when all are out, or when the healthy share is under the threshold", () => {
    const b = new Balancing();
    const c = compiled(upstream({ healthchecks: { threshold: 60, passive: { unhealthy: { tcp_failures: 1 } } } }), [100, 100]);
    b.health.setHealthy(UPSTREAM_ID, "10.0.0.1:80", false);
    assert.equal(b.lease(c, { value: undefined }), undefined);
    assert.equal(new Balancing().lease(compiled(upstream(), [0]), { value: undefined }), undefined);
  });
});
