import type { HealthChange } from "@tether/proxy";

/**
 * Health transitions over node:cluster IPC: from a worker, the ones its own checks made; from the
 * primary, the node's, which a worker applies as given and never sends on.
 */
export interface HealthMessage {
  type: "health";
  changes: readonly HealthChange[];
}

/** A worker listens for the node's health (a message sent before it listens would be lost). */
export interface HealthListeningMessage {
  type: "health-listening";
}

/**
 * Set to "1" in the environment of the one worker that runs the node's active probes, "0" in the
 * others' (set either way, so a value inherited from the primary's environment never counts).
 */
export const PROBER_ENV = "TETHER_HEALTH_PROBER";

/** Whether this process runs the active probes: a single process does, in a cluster the prober. */
export function runsProbes(isWorker: boolean, env: NodeJS.ProcessEnv): boolean {
  return !isWorker || env[PROBER_ENV] === "1";
}
