import { usesHealthchecks } from "@tether/core";
import type { BalancedTarget, CompiledBalancer } from "./compile-balancers.ts";
import type { HashCookie, HashKey } from "./hash-key.ts";
import { HealthState, type Outcome } from "./health-state.ts";
import { pickTarget, type PickState } from "./select.ts";

/**
 * One request's hold on a target: the target of the current try, the ones tried before it, and
 * the in-flight count it adds (least-connections) until it ends.
 */
export class Lease {
  private readonly tried = new Set<number>();
  private ended = false;

  constructor(
    private readonly balancing: Balancing,
    private readonly balancer: CompiledBalancer,
    private readonly key: string | undefined,
    public current: BalancedTarget,
    /** The hash cookie to set on the response (hash-key.ts), if the request lacked it. */
    readonly cookie: HashCookie | undefined,
  ) {
    this.hold(current);
  }

  private hold(target: BalancedTarget): void {
    this.tried.add(this.balancer.targets.indexOf(target));
    this.balancing.adjust(this.balancer.upstream.id, target.target.target, 1);
  }

  private release(outcome: Outcome | undefined): void {
    const { upstream } = this.balancer;
    this.balancing.adjust(upstream.id, this.current.target.target, -1);
    if (outcome && usesHealthchecks(upstream)) this.balancing.health.report(upstream.id, this.current.target.target, upstream.healthchecks.passive, outcome);
  }

  /**
   * The try on the current target failed to connect: Kong's balancer retries on another target,
   * up to the service's `retries` more tries. Undefined when they are spent or none is left.
   */
  retry(outcome: Outcome): BalancedTarget | undefined {
    if (this.ended) return undefined;
    this.release(outcome);
    const next = this.tried.size <= this.balancer.service.retries ? pickTarget(this.balancer, this.balancing, this.key, this.tried) : undefined;
    if (!next) {
      this.ended = true;
      return undefined;
    }
    this.current = next;
    this.hold(next);
    return next;
  }

  /** The request is over; `outcome` is what its last try told of the target, if anything. */
  end(outcome: Outcome | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.release(outcome);
  }
}

/** A process's mutable balancing state: wheel positions, in-flight counts, passive health. */
export class Balancing implements PickState {
  readonly health = new HealthState();
  private readonly slots = new Map<string, number>();
  private readonly active = new Map<string, number>();

  nextSlot(upstreamId: string, wheelLength: number): number {
    const slot = (this.slots.get(upstreamId) ?? 0) % wheelLength;
    this.slots.set(upstreamId, slot + 1);
    return slot;
  }

  inFlight(upstreamId: string, target: string): number {
    return this.active.get(`${upstreamId}|${target}`) ?? 0;
  }

  isHealthy(upstreamId: string, target: string): boolean | undefined {
    return this.health.isHealthy(upstreamId, target);
  }

  adjust(upstreamId: string, target: string, by: number): void {
    const key = `${upstreamId}|${target}`;
    const n = (this.active.get(key) ?? 0) + by;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }

  /** The first target of a request, held until the lease ends; undefined when none is available. */
  lease(balancer: CompiledBalancer, key: HashKey): Lease | undefined {
    const first = pickTarget(balancer, this, key.value, new Set());
    return first ? new Lease(this, balancer, key.value, first, key.cookie) : undefined;
  }
}

/** This process's balancing state (each proxy worker has its own, as each Kong node has). */
export const processBalancing = new Balancing();
