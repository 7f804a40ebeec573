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
