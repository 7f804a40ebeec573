import { usesHealthchecks } from "@tether/core";
import type { BalancedTarget, CompiledBalancer } from "./compile-balancers.ts";
import { ringWalk } from "./hash-ring.ts";

/** The per-process counters a pick reads: the wheel position, in-flight requests, health. */
export interface PickState {
  /** The next wheel slot of this upstream (advances the position). */
  nextSlot(upstreamId: string, wheelLength: number): number;
  inFlight(upstreamId: string, target: string): number;
  isHealthy(upstreamId: string, target: string): boolean | undefined;
}

/**
 * Chooses the target for one try: healthy (when the upstream has healthchecks), weight > 0, not
 * tried already. Consistent hashing walks the ring from the key (round-robin without a key),
 * least-connections takes the fewest in-flight requests per unit of weight, the rest the wheel.
 * Undefined when none qualifies, or when the healthy share of weight is under `threshold`.
 */
export function pickTarget(b: CompiledBalancer, state: PickState, key: string | undefined, tried: ReadonlySet<number>): BalancedTarget | undefined {
  const id = b.upstream.id;
  const checked = usesHealthchecks(b.upstream);
  const up = (i: number): boolean => !checked || state.isHealthy(id, b.targets[i]!.target.target) !== false;
  if (checked && b.upstream.healthchecks.threshold > 0) {
    const total = b.targets.reduce((sum, t) => sum + t.target.weight, 0);
    const healthy = b.targets.reduce((sum, t, i) => sum + (up(i) ? t.target.weight : 0), 0);
    if (total === 0 || (healthy * 100) / total < b.upstream.healthchecks.threshold) return undefined;
  }
  const usable = (i: number): boolean => b.targets[i]!.target.weight > 0 && !tried.has(i) && up(i);

  if (b.upstream.algorithm === "consistent-hashing" && b.ring && key !== undefined) {
    for (const i of ringWalk(b.ring, key)) if (usable(i)) return b.targets[i];
    return undefined;
  }
  if (b.upstream.algorithm === "least-connections") {
    let best: number | undefined;
    let bestLoad = Infinity;
    b.targets.forEach((t, i) => {
      if (!usable(i)) return;
      const load = (state.inFlight(id, t.target.target) + 1) / t.target.weight;
      if (load < bestLoad) [best, bestLoad] = [i, load];
    });
    return best === undefined ? undefined : b.targets[best];
  }
  for (let n = 0; n < b.wheel.length; n++) {
    const i = b.wheel[state.nextSlot(id, b.wheel.length)]!;
    if (usable(i)) return b.targets[i];
  }
  return undefined;
}
