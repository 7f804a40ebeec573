import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Service } from "@tether/core";
import type { UpstreamTls } from "../snapshot/upstream-tls.ts";
import type { Upstream } from "./plan.ts";
import { PoolRegistry } from "./pools.ts";

interface FakePool {
  retired: boolean;
}

function service(fields: Partial<Service>): Service {
  return {
    created_at: 0, updated_at: 0, tags: null, id: "00000000-0000-4000-8000-0000000000aa", name: null, protocol: "https", host: "upstream.test",
    port: 443, path: null, retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000,
    client_certificate: null, tls_verify: null, tls_verify_depth: null, ca_certificates: null, enabled: true, ...fields,
  };
}

const tls = (id: string): UpstreamTls => ({ id, options: {} });

function registry(): { pools: PoolRegistry<FakePool>; made: FakePool[] } {
  const made: FakePool[] = [];
  const pools = new PoolRegistry<FakePool>(
    () => {
      const pool = { retired: false };
      made.push(pool);
      return pool;
    },
    (pool) => (pool.retired = true),
  );
  return { pools, made };
}

describe("PoolRegistry", () => {
  it("shares a pool between upstreams with equal settings, and keeps it while a new configuration uses it", () => {
    const { pools, made } = registry();
    const a: Upstream = { service: service({}), tls: tls("cert-1") };
    // The next configuration's entity for the same service: a new object, the same settings.
    const again: Upstream = { service: service({}), tls: tls("cert-1") };
    assert.equal(pools.get(a), pools.get(again));
    pools.retain([again]);
    assert.equal(pools.get(again), made[0]);
    assert.equal(made.length, 1);
    assert.equal(made[0]!.retired, false);
  });

  it("retires the pools no upstream of the new configuration uses (a rotated client certificate, a deleted service)", () => {
    const { pools, made } = registry();
    const rotated = service({});
    const deleted = service({ host: "gone.test" });
    pools.get({ service: rotated, tls: tls("cert-1") });
    pools.get({ service: deleted, tls: undefined });
    const next: Upstream = { service: service({}), tls: tls("cert-2") };
    pools.retain([next]);
    assert.deepEqual(made.map((p) => p.retired), [true, true]);
    assert.notEqual(pools.get(next), made[0]);
    assert.deepEqual(pools.drain(), [made[2]]);
  });

  it("gives a request planned on the replaced configuration a pool retired right after it took the request", async () => {
    const { pools, made } = registry();
    const old: Upstream = { service: service({}), tls: tls("cert-1") };
    pools.get(old);
    pools.retain([{ service: service({}), tls: tls("cert-2") }]);
    const late = pools.get(old);
    assert.notEqual(late, made[0], "not the retired pool");
    assert.equal(late.retired, false, "usable by the caller now");
    await Promise.resolve();
    assert.equal(late.retired, true);
    assert.deepEqual(pools.drain(), [], "and not kept");
  });
});
