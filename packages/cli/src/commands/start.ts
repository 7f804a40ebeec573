import cluster from "node:cluster";
import type { Server } from "node:http";
import https from "node:https";
import { createAdminApp, createStatusApp } from "@tether/admin";
import type { Logger, ServerStats, UpstreamHealthSource } from "@tether/core";
import { bundleBrowserApp, createGuiApp, type GuiBundle } from "@tether/gui";
import { answerClusterScrapes, bundledPlugins, clusterMetrics, processMetrics, registerNodeMetrics, TETHER_VERSION } from "@tether/plugins";
import { authMetrics, compilingExplainer, divertableLogger, fileSource, processBalancing, servingExplainer, startProxy, storeSource, type ConfigSource, type RouteExplainer, type RunningProxy } from "@tether/proxy";
import type { Store } from "@tether/store";
import { listenText } from "../config/listen.ts";
import { sanitizedConfig, type TetherConfig } from "../config/load.ts";
import { dblessPath, initialConfig, keepApplied, openStore } from "../node/open-store.ts";
import { nodeId } from "../node/node-id.ts";
import { accessLogObservers, drainLogs } from "../node/access-log.ts";
import { serveApp } from "../node/serve-app.ts";
import { PROBER_ENV, runsProbes, type HealthListeningMessage, type HealthMessage } from "../node/health-messages.ts";
import { NodeHealth } from "../node/node-health.ts";
import { shareWorkerHealth } from "../node/worker-health.ts";
import { sessionSecret } from "../node/session-secret.ts";
import { outboundFetch, serverCertificate } from "../tls-material.ts";
import { sumStats, untilWorkersReported, type StatsMessage } from "../worker-stats.ts";

const GRACE_MS = 10_000;

/**
 * A proxy over `store` (or, in a DB-less worker, over the file its primary writes), starting from
 * the store's configuration or, on PostgreSQL during an outage, the node's last applied one.
 */
async function runProxy(config: TetherConfig, log: Logger, store: Store, source: ConfigSource = storeSource(store)): Promise<RunningProxy> {
  const proxy = await startProxy({
    listeners: config.proxy_listen,
    tls: serverCertificate(config),
    source,
    snapshot: { initial: store.database === "off" ? await source.load() : await initialConfig(store, config, log), onApplied: keepApplied(config, log) },
    plugins: bundledPlugins,
    env: {
      ...outboundFetch(config),
      vaultEnvPrefix: config.vault_env_prefix,
      log: divertableLogger(log),
      installationSecret: await sessionSecret(config.prefix, store, log),
      metrics: authMetrics().plugins,
    },
    onAuthDecision: authMetrics().decided,
    log,
    pollIntervalMs: config.db_update_frequency * 1000,
    forwarder: config.forwarder,
    trustedIps: config.trusted_ips,
    sessionResumption: { tickets: config.ssl_session_tickets, timeoutSeconds: config.ssl_session_timeout },
    proxyProtocolClient: config.real_ip_header === "proxy_protocol",
    realIp: { header: config.real_ip_header, recursive: config.real_ip_recursive },
    observers: accessLogObservers(config, log),
    activeHealthChecks: runsProbes(cluster.isWorker, process.env),
  });
  // Kong's node gauges (kong_nginx_*, kong_datastore_reachable, ...) live where the proxy runs.
  registerNodeMetrics({ nodeId: nodeId(config.prefix), stats: proxy.stats, datastoreReachable: () => store.reachable() });
  const worker = cluster.isWorker ? { worker: cluster.worker?.id } : {};
  for (const { spec, port } of proxy.addresses)
    log.info("proxy listening", { listener: listenText(spec, port), host: spec.host, port, ssl: spec.ssl, ...worker });
  return proxy;
}

interface ProxyState {
  stats(): ServerStats;
  appliedConfigVersion(): number;
  /** Proxy processes that have built their router and plugins (for /status/ready). */
  ready(): number;
  /** The node's Prometheus exposition (GET /metrics on the Admin and Status APIs). */
  metrics(): Promise<string>;
  /** The route's plugins run dry (POST /routes/{route}/explain). */
  explain: RouteExplainer;
  /** The node's target health (GET /upstreams/{u}/health, PUT …/targets/{t}/healthy|unhealthy). */
  upstreamHealth: UpstreamHealthSource;
}

async function runAdmin(config: TetherConfig, log: Logger, store: Store, proxy: ProxyState): Promise<Server[]> {
  const app = createAdminApp({
    store,
    plugins: bundledPlugins,
    version: TETHER_VERSION,
    nodeId: nodeId(config.prefix),
    configuration: sanitizedConfig(config),
    stats: proxy.stats,
    appliedConfigVersion: proxy.appliedConfigVersion,
    log,
    adminToken: config.admin_token,
    metrics: proxy.metrics,
    explain: proxy.explain,
    upstreamHealth: proxy.upstreamHealth,
  });
  return serveApp(app, config.admin_listen, log, "admin");
}

/** Kong's Status API on `status_listen` (none when `off`); `ssl` addresses use the default certificate. */
function runStatus(config: TetherConfig, log: Logger, store: Store, proxy: ProxyState): Promise<Server[]> {
  const app = createStatusApp({
    store,
    stats: proxy.stats,
    appliedConfigVersion: proxy.appliedConfigVersion,
    version: TETHER_VERSION,
    log,
    metrics: proxy.metrics,
    proxies: { workers: config.workers, ready: proxy.ready },
  });
  return serveApp(app, config.status_listen, log, "status", () => serverCertificate(config));
}

/** Tether's GUI on `admin_gui_listen` (none when `off`), pointed at the Admin API's first listener. */
async function runGui(config: TetherConfig, log: Logger, admin: readonly Server[], bundle: GuiBundle | undefined): Promise<Server[]> {
  if (!config.admin_gui_listen.length || !bundle) return [];
  const first = admin[0];
  const address = first?.address();
  const endpoint = first && typeof address === "object" && address ? { port: address.port, ssl: first instanceof https.Server } : undefined;
  const app = createGuiApp({ bundle, version: TETHER_VERSION, adminGuiApiUrl: config.admin_gui_api_url, admin: () => endpoint });
  return serveApp(app, config.admin_gui_listen, log, "gui", () => serverCertificate(config));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish (up to GRACE_MS), exit 0. */
function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    await stop();
    log.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", handler("SIGTERM"));
  process.once("SIGINT", handler("SIGINT"));
}

/**
 * `tether start`: the Admin API and the proxy in one process by default; with `workers` > 1 the
 * primary serves the Admin API and N proxy workers (node:cluster) share the listeners, each
 * compiling its own snapshot from the store when the config version moves; the primary holds the
 * node's target health, which the workers share through it (node/node-health.ts).
 */
export async function start(config: TetherConfig, log: Logger): Promise<void> {
  // A promise nobody awaited must not take every connection of the node down with it.
  process.on("unhandledRejection", (reason) => log.error("unhandled rejection; the node keeps running", { error: String(reason) }));
  if (cluster.isWorker) return startWorker(config, log);
  // The GUI is bundled before anything listens: once the node says it listens, a SIGTERM finds
  // its shutdown handler installed (bundling takes a moment, longer on a busy machine).
  const guiBundle = config.admin_gui_listen.length ? await bundleBrowserApp() : undefined;
  // Migrations run here, once, before any worker reads.
  const store = await openStore(config, log, bundledPlugins, { migrate: true });
  if (config.workers === 1) {
    const proxy = await runProxy(config, log, store);
    const state: ProxyState = {
      stats: proxy.stats,
      appliedConfigVersion: () => proxy.holder.snapshot.version,
      ready: () => 1,
      metrics: processMetrics,
      explain: servingExplainer(() => proxy.holder.snapshot),
      upstreamHealth: processBalancing.health,
    };
    const admin = await runAdmin(config, log, store, state);
    const status = await runStatus(config, log, store, state);
    const gui = await runGui(config, log, admin, guiBundle);
    onShutdown(log, async () => {
      await Promise.all([proxy.close(GRACE_MS), ...[...admin, ...status, ...gui].map(closeServer)]);
      await drainLogs();
      await store.close();
    });
    return;
  }
  serverCertificate(config); // make the default certificate once, not N times concurrently
  const installationSecret = await sessionSecret(config.prefix, store, log); // and the session secret's copy, so workers only read it
  const latest = new Map<number, StatsMessage>();
  // Workers that have built a configuration, ever: as Kong's rebuild counters, a replaced worker
  // does not make the node "not ready" again.
  const built = new Set<number>();
  let stopping = false;
  const health = new NodeHealth();
  // One worker runs the active probes for the node (not N); the one replacing it, if it dies.
  let prober: number | undefined;
  const fork = (): void => {
    const probes = prober === undefined;
    const worker = cluster.fork({ [PROBER_ENV]: probes ? "1" : "0" });
    if (probes) prober = worker.id;
    // Workers also carry prom-client's scrape answers on this channel: only these types are ours.
    worker.on("message", (message: StatsMessage | HealthMessage | HealthListeningMessage | undefined) => {
      if (message?.type === "health" || message?.type === "health-listening") return health.receive(worker, message);
      if (message?.type !== "stats") return;
      latest.set(worker.id, message);
      built.add(worker.id);
    });
  };
  cluster.on("exit", (worker, code, signal) => {
    latest.delete(worker.id);
    health.forget(worker);
    if (worker.id === prober) prober = undefined;
    if (stopping) return;
    log.error("proxy worker died; starting another", { worker: worker.id, code, signal });
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();
  const state: ProxyState = {
    stats: () => sumStats([...latest.values()].map((m) => m.stats)),
    appliedConfigVersion: () => (latest.size < config.workers ? 0 : Math.min(...[...latest.values()].map((m) => m.configVersion))),
    ready: () => Math.min(config.workers, built.size),
    // every worker's registry, summed: one scrape is the whole node
    metrics: async () => {
      await untilWorkersReported((id) => latest.has(id));
      return clusterMetrics();
    },
    // The workers hold their snapshots: the primary compiles the same configuration to explain.
    explain: compilingExplainer(() => storeSource(store).load(), bundledPlugins, { ...outboundFetch(config), vaultEnvPrefix: config.vault_env_prefix, log: divertableLogger(log), installationSecret }),
    upstreamHealth: health,
  };
  const admin = await runAdmin(config, log, store, state);
  const status = await runStatus(config, log, store, state);
  const gui = await runGui(config, log, admin, guiBundle);
  onShutdown(log, async () => {
    stopping = true;
    const exits = Object.values(cluster.workers ?? {}).map(
      (w) => new Promise<void>((resolve) => (w && !w.isDead() ? (w.once("exit", () => resolve()), w.process.kill("SIGTERM")) : resolve())),
    );
    await Promise.all([...exits, ...[...admin, ...status, ...gui].map(closeServer)]);
    await store.close();
  });
}

async function startWorker(config: TetherConfig, log: Logger): Promise<void> {
  answerClusterScrapes(); // first: the primary may ask for this worker's metrics at any time
  shareWorkerHealth(processBalancing.health); // and the node's health reaches it before it serves
  const store = await openStore(config, log, bundledPlugins, { migrate: false });
  // DB-less workers follow the file their primary writes with every configuration it takes.
  const source = config.database === "off" ? fileSource(dblessPath(config.prefix)) : storeSource(store);
  const proxy = await runProxy(config, log, store, source);
  const send = (): void => void process.send?.({ type: "stats", stats: proxy.stats(), configVersion: proxy.holder.snapshot.version } satisfies StatsMessage);
  send(); // at once: the primary counts this worker as built (/status/ready) from its first report
  const report = setInterval(send, 500);
  report.unref();
  onShutdown(log, async () => {
    clearInterval(report);
    await proxy.close(GRACE_MS);
    await drainLogs();
    await store.close();
  });
}
