import { getHeapStatistics } from "node:v8";
import { Gauge, register } from "prom-client";
import { KONG_COMPATIBLE_VERSION, TETHER_VERSION, timerCounts, type ServerStats } from "@tether/core";
import { metricErrors } from "./exporter.ts";

/** What the node gauges read on each scrape, in the process that runs the proxy. */
export interface NodeSources {
  nodeId: string;
  /** The proxy's connection and request counters (this process's). */
  stats(): ServerStats;
  /** Kong tries a database connect on each scrape; DB-less is always reachable. */
  datastoreReachable(): Promise<boolean>;
}

/** A scrape must not wait on a database that does not answer: slower than this counts as unreachable. */
const REACHABLE_WITHIN_MS = 2_000;

async function reachableWithin(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The `shared_dict` label of the one memory pool Tether reports (see `kong_memory_lua_shared_dict_bytes`). */
export const HEAP_POOL = "v8_heap";

let sources: NodeSources | undefined;

/**
 * Kong's always-present node gauges (values read on each scrape), registered once per process
 * that runs the proxy; a second call only changes what they read. With `--workers N` each worker
 * reports its own and the primary's aggregation sums them, except where a sum means nothing:
 * `kong_datastore_reachable` is the lowest (0 if any worker cannot reach the database) and
 * `kong_node_info` the highest (it is 1 everywhere).
 *
 * What stands for nginx's figures: connections and requests are the proxy's own counters (as
 * `GET /status` reports them); a Lua VM is the worker's V8 heap (`heapUsed`); Tether has no
 * shared dicts, so the one "dict" reported is the V8 heap (`v8_heap`: used bytes against the
 * heap's size limit), whose ratio is what Kong's dashboard panel watches: how close memory is to
 * running out.
 */
export function registerNodeMetrics(source: NodeSources): void {
  const first = sources === undefined;
  sources = source;
  if (!first) return;
  const read = (): NodeSources => sources!;
  metricErrors();
  new Gauge({
    name: "kong_nginx_connections_total",
    help: "Number of connections by subsystem",
    labelNames: ["node_id", "subsystem", "state"] as const,
    registers: [register],
    collect() {
      const { nodeId, stats } = read();
      const s = stats();
      const states: [string, number][] = [
        ["accepted", s.connections_accepted],
        ["handled", s.connections_handled],
        ["total", s.total_requests],
        ["active", s.connections_active],
        ["reading", s.connections_reading],
        ["writing", s.connections_writing],
        ["waiting", s.connections_waiting],
      ];
      for (const [state, value] of states) this.set({ node_id: nodeId, subsystem: "http", state }, value);
    },
  });
  new Gauge({
    name: "kong_nginx_requests_total",
    help: "Number of requests total",
    labelNames: ["node_id", "subsystem"] as const,
    registers: [register],
    collect() {
      this.set({ node_id: read().nodeId, subsystem: "http" }, read().stats().total_requests);
    },
  });
  new Gauge({
    name: "kong_nginx_timers",
    help: "Number of nginx timers",
    labelNames: ["state"] as const,
    registers: [register],
    collect() {
      const { running, pending } = timerCounts();
      this.set({ state: "running" }, running);
      this.set({ state: "pending" }, pending);
    },
  });
  new Gauge({
    name: "kong_datastore_reachable",
    help: "Datastore reachable from Kong, 0 is unreachable",
    registers: [register],
    aggregator: "min",
    async collect() {
      this.set((await reachableWithin(() => read().datastoreReachable(), REACHABLE_WITHIN_MS)) ? 1 : 0);
    },
  });
  new Gauge({
    name: "kong_node_info",
    help: "Kong Node metadata information",
    labelNames: ["node_id", "version", "tether_version"] as const,
    registers: [register],
    aggregator: "max",
    collect() {
      this.reset();
      this.set({ node_id: read().nodeId, version: KONG_COMPATIBLE_VERSION, tether_version: TETHER_VERSION }, 1);
    },
  });
  new Gauge({
    name: "kong_memory_workers_lua_vms_bytes",
    help: "Allocated bytes in worker Lua VM",
    labelNames: ["node_id", "pid", "kong_subsystem"] as const,
    registers: [register],
    collect() {
      this.set({ node_id: read().nodeId, pid: String(process.pid), kong_subsystem: "http" }, process.memoryUsage().heapUsed);
    },
  });
  const heap = { shared_dict: HEAP_POOL, kong_subsystem: "http" };
  const pools: [name: string, help: string, bytes: () => number][] = [
    ["kong_memory_lua_shared_dict_bytes", "Allocated slabs in bytes in a shared_dict", () => getHeapStatistics().used_heap_size],
    ["kong_memory_lua_shared_dict_total_bytes", "Total capacity in bytes of a shared_dict", () => getHeapStatistics().heap_size_limit],
  ];
  for (const [name, help, bytes] of pools)
    new Gauge({
      name,
      help,
      labelNames: ["node_id", "shared_dict", "kong_subsystem"] as const,
      registers: [register],
      collect() {
        this.set({ node_id: read().nodeId, ...heap }, bytes());
      },
    });
}
