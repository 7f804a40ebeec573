import type { Healthchecks, UpstreamHealthSource } from "@tether/core";

/**
 * What one proxied attempt or one probe told about its target (lua-resty-healthcheck's reports):
 * an HTTP status (0: no valid status line), a TCP failure, a timeout, or a bare success (a tcp
 * probe that connected).
 */
export type Outcome = { kind: "status"; status: number } | { kind: "tcp" } | { kind: "timeout" } | { kind: "success" };

/** The thresholds a report is counted against: the active or the passive side of `healthchecks`. */
export type CheckCounters = Pick<Healthchecks["passive"], "healthy" | "unhealthy">;

interface Counters {
  healthy: boolean;
  successes: number;
  tcp: number;
  timeouts: number;
  http: number;
}

const fresh = (): Counters => ({ healthy: true, successes: 0, tcp: 0, timeouts: 0, http: 0 });

/** The key of a target's health: its upstream's id and the target as stored (`host:port`). */
export const healthKey = (upstreamId: string, target: string): string => `${upstreamId}|${target}`;

/** A target turned healthy or unhealthy (what proxy workers share through their primary). */
export interface HealthChange {
  readonly upstreamId: string;
  readonly target: string;
  readonly healthy: boolean;
}

/** The change of a key's target (healthKey: the upstream id holds no `|`). */
function changeOf(key: string, healthy: boolean): HealthChange {
  const bar = key.indexOf("|");
  return { upstreamId: key.slice(0, bar), target: key.slice(bar + 1), healthy };
}

/**
 * Health of targets, per process (as Kong's, per node: nothing of it is stored or shared across
 * nodes; a node's proxy workers share transitions through their primary, `onTransition`). Active
 * probes and passive reports feed the same counters, each counted against its own side's
 * thresholds, as lua-resty-healthcheck does (one counter set per target in its shm). A
 * target turns unhealthy when a failure counter reaches its threshold (0 turns that counter off)
 * and healthy again after `healthy.successes` successes, or when the operator says so
 * (`PUT …/healthy`). A success resets the failure counters, a failure the successes.
 */
export class HealthState implements UpstreamHealthSource {
  private readonly targets = new Map<string, Counters>();
  private readonly transitionListeners: ((change: HealthChange) => void)[] = [];

  /**
   * Calls back when this process's own checks (passive reports, probes) turn a target healthy or
   * unhealthy, and when an unhealthy target is forgotten (healthy if it comes back). Not on
   * `setHealthy`: that carries verdicts made elsewhere (the operator, another worker), so a
   * relayed change is never sent on again.
   */
  onTransition(listener: (change: HealthChange) => void): void {
    this.transitionListeners.push(listener);
  }

  private transition(key: string, healthy: boolean): void {
    for (const listener of this.transitionListeners) listener(changeOf(key, healthy));
  }

  private entry(upstreamId: string, target: string): Counters {
    const key = healthKey(upstreamId, target);
    let counters = this.targets.get(key);
    if (!counters) this.targets.set(key, (counters = fresh()));
    return counters;
  }

  isHealthy(upstreamId: string, target: string): boolean | undefined {
    return this.targets.get(healthKey(upstreamId, target))?.healthy;
  }

  setHealthy(upstreamId: string, target: string, healthy: boolean): void {
    this.targets.set(healthKey(upstreamId, target), { ...fresh(), healthy });
  }

  /**
   * Forgets every target not in `live` (healthKey): a deleted target, or one of a deleted
   * upstream, starts afresh if it comes back, as Kong clears a removed target's health.
   */
  retain(live: ReadonlySet<string>): void {
    for (const [key, counters] of this.targets) {
      if (live.has(key)) continue;
      this.targets.delete(key);
      if (!counters.healthy) this.transition(key, true);
    }
  }

  report(upstreamId: string, target: string, checks: CheckCounters, outcome: Outcome): void {
    const c = this.entry(upstreamId, target);
    const was = c.healthy;
    count(c, checks, outcome);
    if (c.healthy !== was) this.transition(healthKey(upstreamId, target), c.healthy);
  }
}

/** Counts one report against `checks`: a failure counter reaching its threshold, or enough successes, flip `healthy`. */
function count(c: Counters, checks: CheckCounters, outcome: Outcome): void {
  const failed = (counter: "tcp" | "timeouts" | "http", threshold: number): void => {
    c.successes = 0;
    c[counter] += 1;
    if (threshold > 0 && c[counter] >= threshold) c.healthy = false;
  };
  if (outcome.kind === "tcp") return failed("tcp", checks.unhealthy.tcp_failures);
  if (outcome.kind === "timeout") return failed("timeouts", checks.unhealthy.timeouts);
  if (outcome.kind === "status") {
    // lua-resty-healthcheck counts a response without a valid status as an HTTP failure.
    if (outcome.status === 0 || checks.unhealthy.http_statuses.includes(outcome.status)) return failed("http", checks.unhealthy.http_failures);
    if (!checks.healthy.http_statuses.includes(outcome.status)) return;
  }
  c.tcp = c.timeouts = c.http = 0;
  c.successes += 1;
  if (!c.healthy && checks.healthy.successes > 0 && c.successes >= checks.healthy.successes) c.healthy = true;
}
