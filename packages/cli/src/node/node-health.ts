import type { Worker } from "node:cluster";
import type { UpstreamHealthSource } from "@tether/core";
import { healthKey, type HealthChange } from "@tether/proxy";
import type { HealthListeningMessage, HealthMessage } from "./health-messages.ts";

/**
 * The node's target health on the cluster's primary (what Kong keeps in its shm for all workers):
 * the Admin API reads and sets it here. A worker's transition is applied and relayed to every
 * listening worker, the sender too, so all of them apply the node's changes in one order (two
 * workers flipping a target at once end up agreeing with the primary). A worker that starts
 * listening gets every unhealthy target; the others it knows as healthy already.
 */
export class NodeHealth implements UpstreamHealthSource {
  /** The node's unhealthy targets (healthKey); every other target is healthy. */
  private readonly unhealthy = new Map<string, HealthChange>();
  private readonly listening = new Set<Worker>();

  isHealthy(upstreamId: string, target: string): boolean {
    return !this.unhealthy.has(healthKey(upstreamId, target));
  }

  setHealthy(upstreamId: string, target: string, healthy: boolean): void {
    this.apply([{ upstreamId, target, healthy }]);
  }

  /** A message from `worker`: its own transitions, or that it listens now. */
  receive(worker: Worker, message: HealthMessage | HealthListeningMessage): void {
    if (message.type === "health") return this.apply(message.changes);
    this.listening.add(worker);
    send(worker, [...this.unhealthy.values()]);
  }

  /** The worker exited. */
  forget(worker: Worker): void {
    this.listening.delete(worker);
  }

  private apply(changes: readonly HealthChange[]): void {
    for (const change of changes) {
      const key = healthKey(change.upstreamId, change.target);
      if (change.healthy) this.unhealthy.delete(key);
      else this.unhealthy.set(key, { upstreamId: change.upstreamId, target: change.target, healthy: false });
    }
    for (const worker of this.listening) send(worker, changes);
  }
}

function send(worker: Worker, changes: readonly HealthChange[]): void {
  // A worker whose channel closed is about to be reported dead (and forgotten).
  if (worker.isConnected()) worker.send({ type: "health", changes } satisfies HealthMessage);
}
