import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { createAdminApp } from "@tether/admin";
import type { Logger } from "@tether/core";
import { bundledPlugins, TETHER_VERSION } from "@tether/plugins";
import { startProxy, storeSource } from "@tether/proxy";
import { Store } from "@tether/store";
import { sanitizedConfig, type TetherConfig } from "../config/load.ts";
import { outboundFetch, serverCertificate } from "../tls-material.ts";

/** Runs the Admin API and the proxy in one process over the store under the prefix. */
export async function start(config: TetherConfig, log: Logger): Promise<void> {
  const store = Store.open(config.prefix);
  const env = { ...outboundFetch(config), log };
  const proxy = await startProxy({
    listeners: config.proxy_listen,
    tls: serverCertificate(config),
    source: storeSource(store),
    plugins: bundledPlugins,
    env,
    log,
    pollIntervalMs: config.db_update_frequency * 1000,
    forwarder: config.forwarder,
  });
  for (const { spec, port } of proxy.addresses)
    log.info("proxy listening", { listener: `${spec.host}:${port}${spec.ssl ? " ssl" : ""}`, host: spec.host, port, ssl: spec.ssl });

  const app = createAdminApp({
    store,
    plugins: bundledPlugins,
    version: TETHER_VERSION,
    nodeId: randomUUID(),
    configuration: sanitizedConfig(config),
    stats: proxy.stats,
    log,
    adminToken: config.admin_token,
  });
  const adminServers: Server[] = [];
  for (const spec of config.admin_listen) {
    const server = app.listen(spec.port, spec.host);
    await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : spec.port;
    adminServers.push(server);
    log.info("admin listening", { listener: `${spec.host}:${port}`, host: spec.host, port });
  }

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    await Promise.all([
      proxy.close(10_000),
      ...adminServers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
      })),
    ]);
    store.close();
    log.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
