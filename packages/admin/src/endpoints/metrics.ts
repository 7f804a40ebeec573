import type { Router } from "@koa/router";
import { METRICS_CONTENT_TYPE } from "@tether/plugins";

/** The node's Prometheus exposition: this process's registry, or every worker's summed. */
export type MetricsSource = () => Promise<string>;

/** `GET /metrics` (Kong's prometheus `api.lua` and `status_api.lua`: the same answer on both APIs). */
export function mountMetrics(router: Router, metrics: MetricsSource): void {
  router.get("/metrics", async (ctx) => {
    const text = await metrics();
    ctx.type = METRICS_CONTENT_TYPE;
    ctx.body = text;
  });
}
