import type { HealthState } from "./health-state.ts";
import type { HealthPlan, UpstreamProbes } from "./health-plan.ts";
import { probe } from "./probe.ts";

type Side = "healthy" | "unhealthy";

/** Runs `work` on every item, at most `limit` at a time (the probes' `concurrency`). */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * One upstream's probing (lua-resty-healthcheck's checker): every `healthy.interval` seconds the
 * targets now healthy are probed, every `unhealthy.interval` those now unhealthy; the first round
 * comes one interval after the start, as Kong's. A round starts its interval once it is over, so
 * slow probes never pile up. Timers are unref'd: probing never keeps the process alive.
 */
class UpstreamChecker {
  private readonly stopping = new AbortController();
  private readonly timers = new Map<Side, NodeJS.Timeout>();

  constructor(
    /** Replaced when the configuration changes but not the intervals (read at each round). */
    public plan: UpstreamProbes,
    private readonly health: HealthState,
  ) {
    this.schedule("healthy");
    this.schedule("unhealthy");
  }

  /** Whether `plan` probes at the same intervals (the timers can stay). */
  sameCadence(plan: UpstreamProbes): boolean {
    const { healthy, unhealthy } = this.plan.checks;
    return plan.checks.healthy.interval === healthy.interval && plan.checks.unhealthy.interval === unhealthy.interval;
  }

  private schedule(side: Side): void {
    const seconds = this.plan.checks[side].interval;
    if (seconds <= 0 || this.stopping.signal.aborted) return;
    const timer = setTimeout(() => void this.round(side).finally(() => this.schedule(side)), seconds * 1000);
    timer.unref();
    this.timers.set(side, timer);
  }

  private async round(side: Side): Promise<void> {
    const { upstreamId, checks, targets } = this.plan;
    const due = targets.filter((t) => (this.health.isHealthy(upstreamId, t.target) !== false) === (side === "healthy"));
    await eachLimited(due, checks.concurrency, async ({ target, probe: request }) => {
      const outcome = await probe(request, this.stopping.signal);
      if (!this.stopping.signal.aborted) this.health.report(upstreamId, target, checks, outcome);
    });
  }

  stop(): void {
    this.stopping.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
  }
}

/**
 * This process's active health checks: one checker per upstream with an active interval, started,
 * kept, re-planned or stopped as each snapshot starts serving (`apply`). Probes report to the same
 * health state passive checks feed and balancing reads. A process not `probing` (a proxy
 * worker other than its node's prober) only forgets the health of targets gone from the plan.
 */
export class ActiveHealthChecks {
  private readonly checkers = new Map<string, UpstreamChecker>();

  constructor(
    private readonly health: HealthState,
    private readonly probing = true,
  ) {}

  apply(plan: HealthPlan): void {
    this.health.retain(plan.targets);
    const live = new Set<string>();
    for (const probes of this.probing ? plan.probes : []) {
      live.add(probes.upstreamId);
      const running = this.checkers.get(probes.upstreamId);
      if (running?.sameCadence(probes)) {
        running.plan = probes;
        continue;
      }
      running?.stop();
      this.checkers.set(probes.upstreamId, new UpstreamChecker(probes, this.health));
    }
    for (const [id, checker] of this.checkers) {
      if (live.has(id)) continue;
      checker.stop();
      this.checkers.delete(id);
    }
  }

  /** Stops every checker; probes under way are dropped, their outcomes not reported. */
  stop(): void {
    for (const checker of this.checkers.values()) checker.stop();
    this.checkers.clear();
  }
}
