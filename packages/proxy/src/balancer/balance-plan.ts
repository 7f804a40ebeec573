import type { ServerResponse } from "node:http";
import type { ForwardFailure } from "../forward/failure.ts";
import type { ForwardPlan } from "../forward/plan.ts";
import type { Lease } from "./balancing.ts";
import { withHashCookie } from "./hash-key.ts";
import type { Outcome } from "./health-state.ts";

/** Kong's answer when the balancer has no target to give (kong/runloop/balancer/init.lua). */
export const NO_PEER_MESSAGE = "failure to get a peer from the ring-balancer";

const outcomeOf = (failure: ForwardFailure): Outcome => (failure.reason.endsWith("-timeout") ? { kind: "timeout" } : { kind: "tcp" });

/**
 * Aims a plan at the lease's target: retries after failed connections go to the next target, and
 * when the response is over the target's outcome feeds passive health and the connection count.
 * A hash cookie made up for the request is set on the response.
 */
export function balancePlan(plan: ForwardPlan, lease: Lease, res: ServerResponse): ForwardPlan {
  let failed: Outcome | undefined;
  let answered = false;
  // The upstream's status is the response's once its head is written (after onResponse).
  res.once("close", () => lease.end(answered ? { kind: "status", status: res.statusCode } : failed));
  return {
    ...plan,
    service: lease.current.service,
    retarget: (failure) => {
      const next = lease.retry(outcomeOf(failure));
      return next && { service: next.service };
    },
    onResponse: (headers, httpVersion) => {
      answered = true;
      if (lease.cookie) headers["set-cookie"] = withHashCookie(headers["set-cookie"], lease.cookie);
      plan.onResponse?.(headers, httpVersion);
    },
    onFailure: (failure) => {
      failed = outcomeOf(failure);
      plan.onFailure(failure);
    },
  };
}
