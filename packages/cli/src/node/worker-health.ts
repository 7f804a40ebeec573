import type { HealthState } from "@tether/proxy";
import type { HealthListeningMessage, HealthMessage } from "./health-messages.ts";

/**
 * In a proxy worker, before it serves: its own checks' transitions go to the primary, and the
 * node's (the current unhealthy targets at first, then every transition any worker or the
 * operator makes) are applied here. Applied with `setHealthy`, which never reports a transition:
 * a relayed change is not sent back.
 */
export function shareWorkerHealth(health: HealthState): void {
  health.onTransition((change) => void process.send?.({ type: "health", changes: [change] } satisfies HealthMessage));
  process.on("message", (message: HealthMessage) => {
    if (message?.type !== "health") return;
    for (const { upstreamId, target, healthy } of message.changes) health.setHealthy(upstreamId, target, healthy);
  });
  process.send?.({ type: "health-listening" } satisfies HealthListeningMessage);
}
