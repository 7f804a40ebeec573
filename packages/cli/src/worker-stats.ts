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
