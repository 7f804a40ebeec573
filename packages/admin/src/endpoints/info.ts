import { hostname } from "node:os";
import type { Router } from "@koa/router";
import { KONG_COMPATIBLE_VERSION, timerCounts, type ServerStats } from "@tether/core";
import type { Store } from "@tether/store";
import { isDbless } from "../entities/lookup.ts";
import type { PluginRegistry } from "../entities/write.ts";
import { kongConfiguration } from "./kong-configuration.ts";

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

/** What `GET /status` reads: the store, the proxies' counters and the config version they serve. */
export type StatusSources = Pick<InfoOptions, "store" | "stats" | "appliedConfigVersion">;

/** `GET /status`, as the Admin API and the Status API both serve it (Kong's `kong/api/routes/health.lua`). */
export function mountStatus(router: Router, info: StatusSources): void {
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
}

export function mountInfo(router: Router, info: InfoOptions): void {
  const configuration = kongConfiguration(info.configuration);
  router.get("/", async (ctx) => {
    const enabled = new Set((await info.store.daos.plugins.all()).map((p) => p.name));
    ctx.body = {
      tagline: "Welcome to tether",
      version: KONG_COMPATIBLE_VERSION,
      tether_version: info.version,
      // Kong's open-source edition: Kong Manager then reads the plugins from this answer and
      // sends the open-source list requests (exact lookups, no sort_by).
      edition: "community",
      hostname: hostname(),
      node_id: info.nodeId,
      timers: timerCounts(),
      plugins: {
        available_on_server: Object.fromEntries(
          [...info.plugins.values()].map((p) => [p.name, { version: p.version, priority: p.priority }]),
        ),
        enabled_in_cluster: [...enabled].sort(),
      },
      configuration,
      pids: { master: process.pid, workers: [process.pid] },
      node_version: process.version,
    };
  });

  mountStatus(router, info);

  router.get("/plugins/enabled", (ctx) => {
    ctx.body = { enabled_plugins: [...info.plugins.keys()].sort() };
  });
}
