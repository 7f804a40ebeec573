import cluster from "node:cluster";
import type { ServerStats } from "@tether/core";

/** What a proxy worker reports to the primary, which answers GET /status for all of them. */
export interface StatsMessage {
  type: "stats";
  stats: ServerStats;
  /** The config version of the worker's current snapshot. */
  configVersion: number;
}

export function sumStats(all: readonly ServerStats[]): ServerStats {
  const total: ServerStats = {
    total_requests: 0,
    connections_active: 0,
    connections_accepted: 0,
    connections_handled: 0,
    connections_reading: 0,
    connections_writing: 0,
    connections_waiting: 0,
  };
  for (const stats of all) for (const key of Object.keys(total) as (keyof ServerStats)[]) total[key] += stats[key];
  return total;
}

/**
 * Resolves once every live worker has reported at least once, or after `timeoutMs`. A worker
 * listens for the primary's requests (metrics scrapes) before its first report, and a message
 * sent to a worker that does not listen yet is lost: a scrape while a replacement worker starts
 * waits for it instead of timing out.
 */
export async function untilWorkersReported(reported: (workerId: number) => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Object.values(cluster.workers ?? {}).some((w) => w?.isConnected() && !reported(w.id)) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 25));
}
