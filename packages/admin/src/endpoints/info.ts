import { hostname } from "node:os";
import type { Router } from "@koa/router";
import type { ServerStats } from "@tether/core";
import type { Store } from "@tether/store";
import { isDbless } from "../entities/lookup.ts";
import type { PluginRegistry } from "../entities/write.ts";

export interface InfoOptions {
  store: Store;
  plugins: PluginRegistry;
  version: string;
  nodeId: string;
  /** The configuration as started, with secrets already removed. */
  configuration: Record<string, unknown>;
  stats(): ServerStats;
  /** The config version every proxy (worker) has compiled: the lowest of them. */
  appliedConfigVersion(): number;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

/**
 * The Kong version `GET /` reports as `version`. Kong's tooling reads it to choose behaviour:
 * decK parses it as semver and, from 3.0, writes and requires `_format_version: "3.0"` and
 * checks 3.x route paths; from 3.4 it uses consumer-group scoped plugins. Tether speaks the 3.x
 * Admin API, so it answers as a 3.x release; its own version is `tether_version`.
 */
export const KONG_COMPATIBLE_VERSION = "3.9.0";

/** nginx's timer counts, in Node terms: pending timers are the active Timeouts; none runs during a request. */
function timers(): { running: number; pending: number } {
  return { running: 0, pending: process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length };
}


export function mountInfo(router: Router, info: InfoOptions): void {
  router.get("/", async (ctx) => {
    const enabled = new Set((await info.store.daos.plugins.all()).map((p) => p.name));
    ctx.body = {
      tagline: "Welcome to tether",
      version: KONG_COMPATIBLE_VERSION,
      tether_version: info.version,
      edition: "enterprise",
      hostname: hostname(),
      node_id: info.nodeId,
      timers: timers(),
      plugins: {
        available_on_server: Object.fromEntries(
          [...info.plugins.values()].map((p) => [p.name, { version: p.version, priority: p.priority }]),
        ),
        enabled_in_cluster: [...enabled].sort(),
      },
      configuration: info.configuration,
      pids: { master: process.pid, workers: [process.pid] },
      node_version: process.version,
    };
  });

  router.get("/status", async (ctx) => {
    const memory = process.memoryUsage();
    // A store that cannot answer (closed, file gone, server down) is unreachable, never a 500 here.
    const up = await info.store.reachable();
    const { store } = info;
    ctx.body = {
      // Kong's DB-less node has no database to report, but the hash of the configuration it serves.
      ...(isDbless(store) ? { configuration_hash: store.configurationHash } : { database: { reachable: up } }),
      memory: { workers_vms: [{ pid: process.pid, heap_used: mib(memory.heapUsed), rss: mib(memory.rss) }] },
      server: info.stats(),
      // Tether's addition: the store's config version and the one the proxy serves (the lowest
      // across workers). Equal means every Admin API write so far is being enforced.
      configuration: { version: up ? await info.store.version().catch(() => null) : null, applied_version: info.appliedConfigVersion() },
    };
  });

  router.get("/plugins/enabled", (ctx) => {
    ctx.body = { enabled_plugins: [...info.plugins.keys()].sort() };
  });
}
