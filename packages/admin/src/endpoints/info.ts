import { hostname } from "node:os";
import type { Router } from "@koa/router";
import type { ServerStats } from "@tether/core";
import type { Store } from "@tether/store";
import type { PluginRegistry } from "../entities/write.ts";

export interface InfoOptions {
  store: Store;
  plugins: PluginRegistry;
  version: string;
  nodeId: string;
  /** The configuration as started, with secrets already removed. */
  configuration: Record<string, unknown>;
  stats(): ServerStats;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

export function mountInfo(router: Router, info: InfoOptions): void {
  router.get("/", (ctx) => {
    const enabled = new Set(info.store.daos.plugins.all().map((p) => p.name));
    ctx.body = {
      tagline: "Welcome to tether",
      version: info.version,
      edition: "enterprise",
      hostname: hostname(),
      node_id: info.nodeId,
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

  router.get("/status", (ctx) => {
    const memory = process.memoryUsage();
    ctx.body = {
      database: { reachable: info.store.reachable() },
      memory: { workers_vms: [{ pid: process.pid, heap_used: mib(memory.heapUsed), rss: mib(memory.rss) }] },
      server: info.stats(),
    };
  });

  router.get("/plugins/enabled", (ctx) => {
    ctx.body = { enabled_plugins: [...info.plugins.keys()].sort() };
  });
}
