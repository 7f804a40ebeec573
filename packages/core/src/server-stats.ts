/** Connection and request counters of the proxy, as Kong's GET /status reports them. */
export interface ServerStats {
  total_requests: number;
  connections_active: number;
  connections_accepted: number;
  connections_handled: number;
  connections_reading: number;
  connections_writing: number;
  connections_waiting: number;
}

/**
 * nginx's timer counts (`GET /`'s `timers`, `kong_nginx_timers`), in Node terms: pending timers
 * are the process's active Timeouts; none is running while this code runs.
 */
export function timerCounts(): { running: number; pending: number } {
  return { running: 0, pending: process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length };
}
