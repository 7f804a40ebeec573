import type { Healthchecks, UpstreamHealthSource } from "@tether/core";

/** What one proxied attempt told about its target (Kong's passive checks count these). */
export type Outcome = { kind: "status"; status: number } | { kind: "tcp" } | { kind: "timeout" };

interface Counters {
  healthy: boolean;
  successes: number;
  tcp: number;
  timeouts: number;
  http: number;
}

const fresh = (): Counters => ({ healthy: true, successes: 0, tcp: 0, timeouts: 0, http: 0 });

/**
 * Passive health of targets, per process (as Kong's, per node: nothing of it is stored or shared
 * across nodes). A target turns unhealthy when a failure counter reaches its threshold (0 turns
 * that counter off) and healthy again after `passive.healthy.successes` successes, or when the
 * operator says so (`PUT …/healthy`). A success resets the failure counters, a failure the
 * successes (lua-resty-healthcheck's counters).
 */
export class HealthState implements UpstreamHealthSource {
  private readonly targets = new Map<string, Counters>();

  private entry(upstreamId: string, target: string): Counters {
    const key = `${upstreamId}|${target}`;
    let counters = this.targets.get(key);
    if (!counters) this.targets.set(key, (counters = fresh()));
    return counters;
  }

  isHealthy(upstreamId: string, target: string): boolean | undefined {
    return this.targets.get(`${upstreamId}|${target}`)?.healthy;
  }

  setHealthy(upstreamId: string, target: string, healthy: boolean): void {
    this.targets.set(`${upstreamId}|${target}`, { ...fresh(), healthy });
  }

  report(upstreamId: string, target: string, checks: Healthchecks["passive"], outcome: Outcome): void {
    const c = this.entry(upstreamId, target);
    const failed = (counter: "tcp" | "timeouts" | "http", threshold: number): void => {
      c.successes = 0;
      c[counter] += 1;
      if (threshold > 0 && c[counter] >= threshold) c.healthy = false;
    };
    if (outcome.kind === "tcp") return failed("tcp", checks.unhealthy.tcp_failures);
    if (outcome.kind === "timeout") return failed("timeouts", checks.unhealthy.timeouts);
    if (checks.unhealthy.http_statuses.includes(outcome.status)) return failed("http", checks.unhealthy.http_failures);
    if (!checks.healthy.http_statuses.includes(outcome.status)) return;
    c.tcp = c.timeouts = c.http = 0;
    c.successes += 1;
    if (!c.healthy && checks.healthy.successes > 0 && c.successes >= checks.healthy.successes) c.healthy = true;
  }
}
