import { splitTarget, type ConfigData, type Service, type Target, type Upstream } from "@tether/core";
import { buildRing, type HashRing } from "./hash-ring.ts";
import { buildWheel } from "./wheel.ts";

/** One target of a compiled upstream, with the service aimed at it (its own connection pool). */
export interface BalancedTarget {
  readonly target: Target;
  /**
   * The service with the target's host and port. Its `retries` is 0: a failed connection is
   * retried on another target (Kong's balancer retries), not by the pool on the same one.
   */
  readonly service: Service;
}

/** A service's upstream as the proxy balances it; part of the immutable snapshot. */
export interface CompiledBalancer {
  readonly upstream: Upstream;
  /** The service as configured (its `retries` bound the tries across targets). */
  readonly service: Service;
  readonly targets: readonly BalancedTarget[];
  /** Round-robin slots: target indexes in proportion to weight (weight 0 holds none). */
  readonly wheel: readonly number[];
  readonly ring: HashRing | undefined;
}

/**
 * Kong: a service whose `host` is an upstream's name is balanced across that upstream's targets
 * (kong/runloop/balancer/upstreams.lua looks the upstream up by name). Keyed by service id.
 */
export function compileBalancers(data: Pick<ConfigData, "services" | "upstreams" | "targets">): ReadonlyMap<string, CompiledBalancer> {
  const byName = new Map(data.upstreams.map((u) => [u.name, u]));
  const out = new Map<string, CompiledBalancer>();
  for (const service of data.services) {
    const upstream = byName.get(service.host);
    if (!upstream) continue;
    const targets = data.targets
      .filter((t) => t.upstream.id === upstream.id)
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map((target) => {
        const { host, port } = splitTarget(target.target);
        return { target, service: { ...service, host, port, retries: 0 } };
      });
    out.set(service.id, {
      upstream,
      service,
      targets,
      wheel: buildWheel(targets.map((t) => t.target.weight)),
      ring: upstream.algorithm === "consistent-hashing" ? buildRing(targets.map((t) => t.target), upstream.slots) : undefined,
    });
  }
  return out;
}
