import type { Upstream } from "./types.ts";

/** A target's health as Kong's `GET /upstreams/{u}/health` reports it. */
export type TargetHealth = "HEALTHY" | "UNHEALTHY" | "HEALTHCHECKS_OFF" | "DNS_ERROR";

/**
 * The health a node keeps of its upstreams' targets (each node its own, as Kong's healthchecker:
 * nothing of it is stored or shared). Keyed by upstream id and the target as stored (`host:port`).
 */
export interface UpstreamHealthSource {
  /** Whether the target is healthy now; undefined when this node does not balance it (yet). */
  isHealthy(upstreamId: string, target: string): boolean | undefined;
  /** The operator's verdict (`PUT …/targets/{t}/healthy|unhealthy`), kept until traffic or checks change it. */
  setHealthy(upstreamId: string, target: string, healthy: boolean): void;
}

/**
 * Kong's `is_upstream_using_healthcheck` (kong/runloop/balancer/healthcheckers.lua): without an
 * active interval or a passive failure threshold there is no healthchecker, and every target is
 * `HEALTHCHECKS_OFF`.
 */
export function usesHealthchecks(upstream: Pick<Upstream, "healthchecks">): boolean {
  const { active, passive } = upstream.healthchecks;
  return (
    active.healthy.interval !== 0 ||
    active.unhealthy.interval !== 0 ||
    passive.unhealthy.tcp_failures !== 0 ||
    passive.unhealthy.timeouts !== 0 ||
    passive.unhealthy.http_failures !== 0
  );
}

/** What `/health` says of a target: off without a healthchecker (or with weight 0), else its state. */
export function reportedHealth(upstream: Upstream, weight: number, healthy: boolean | undefined): TargetHealth {
  if (!usesHealthchecks(upstream) || weight === 0) return "HEALTHCHECKS_OFF";
  return healthy === false ? "UNHEALTHY" : "HEALTHY";
}
