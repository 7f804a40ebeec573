import { createHash } from "node:crypto";
import http from "node:http";
import tls from "node:tls";
import type { AddressInfo, Server, Socket } from "node:net";
import type { Logger, PluginDefinition, PluginEnvironment, ServerStats } from "@tether/core";
import { ActiveHealthChecks } from "./balancer/active-checks.ts";
import { processBalancing } from "./balancer/balancing.ts";
import { Forwarder } from "./forward/forwarder.ts";
import type { ForwardingEngine } from "./forward/plan.ts";
import { UndiciForwarder } from "./forward/undici-forwarder.ts";
import { GrpcForwarder } from "./forward/grpc-forwarder.ts";
import { createRequestHandler, type RequestHandlerDeps } from "./handle-request.ts";
import { answerClientError } from "./http/client-error.ts";
import { trustedIpsMatcher } from "./http/trusted-ips.ts";
import type { RealIpSettings } from "./http/real-ip.ts";
import { upgradeListener } from "./http/upgrade.ts";
import { guardHandler } from "./http/guard-handler.ts";
import { closeAllConnections, closeIdleConnections, createCleartextHttp2Server, createTlsHttpServer, type HttpServer } from "./http/http-servers.ts";
import { createH2cFront } from "./http/h2c-front.ts";
import type { RequestObserver } from "./log/request-log.ts";
import { SnapshotHolder, type ConfigSource, type HolderOptions } from "./snapshot/holder.ts";
import { createSniFront } from "./tls/sni-front.ts";
import { createProxyProtocolGate } from "./proxy-protocol/gate.ts";
import { serverCertificateCallback } from "./tls/sni-callback.ts";
import { sessionResumptionOf, type TicketSettings } from "./tls/session-tickets.ts";
import { TicketServers } from "./tls/ticket-servers.ts";

export interface ListenerSpec {
  host: string;
  port: number;
  ssl: boolean;
  /** Kong's `proxy_protocol` listen flag: connections start with a PROXY protocol header. */
  proxyProtocol?: boolean;
  /** Kong's `http2` listen flag: on TLS, ALPN offers h2 beside http/1.1 (http/http-servers.ts). */
  http2?: boolean;
}

export interface ProxyOptions {
  listeners: readonly ListenerSpec[];
  /** The default server certificate and key (PEM). */
  tls: { cert: string; key: string };
  source: ConfigSource;
  /** The first configuration, and what to do with each one applied. */
  snapshot: HolderOptions;
  plugins: ReadonlyMap<string, PluginDefinition>;
  env: PluginEnvironment;
  log: Logger;
  pollIntervalMs?: number;
  /** The forwarding engine: undici (the default: ~2× http-proxy, docs/benchmarks.md) or http-proxy. */
  forwarder?: "http-proxy" | "undici";
  /** Kong's trusted_ips (IPs and CIDR blocks): peers whose X-Forwarded-* headers are believed. */
  trustedIps?: readonly string[];
  /** Kong's ssl_session_tickets / ssl_session_timeout (default on, 1d; docs/tls-resumption.md). */
  sessionResumption?: TicketSettings;
  /**
   * Kong's `real_ip_header = proxy_protocol`: on a `proxyProtocol` listener the client named in
   * the PROXY header is the client address (X-Forwarded-For, X-Real-IP, logs, trusted_ips).
   */
  proxyProtocolClient?: boolean;
  /**
   * Kong's real_ip_header / real_ip_recursive (default `X-Real-IP`, off): from a peer in
   * `trustedIps`, the client address (X-Real-IP, logs) is taken from that header (http/real-ip.ts).
   */
  realIp?: RealIpSettings;
  /** Node-wide readers of every request's log entry (the access log, counters). */
  observers?: readonly RequestObserver[];
  /** How authentication plugins decided, per route (the tether_auth_* counters). */
  onAuthDecision?: RequestHandlerDeps["onAuthDecision"];
  /** Whether this process runs the active health probes (default true; one worker of a node does). */
  activeHealthChecks?: boolean;
}

export interface RunningProxy {
  addresses: { spec: ListenerSpec; port: number }[];
  holder: SnapshotHolder;
  stats(): ServerStats;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

function listen(server: Server, spec: ListenerSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(spec.port, spec.host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const holder = new SnapshotHolder(options.source, options.plugins, options.env, options.log, options.snapshot);
  holder.watch(options.pollIntervalMs ?? 200);
  const forwarder: ForwardingEngine = options.forwarder === "http-proxy" ? new Forwarder() : new UndiciForwarder();
  const grpcForwarder = new GrpcForwarder();
  const activeChecks = new ActiveHealthChecks(processBalancing.health, options.activeHealthChecks ?? true);
  activeChecks.apply(holder.snapshot.health);
  holder.onSwap((snapshot) => {
    forwarder.retain?.(snapshot.upstreams);
    grpcForwarder.retain(snapshot.upstreams);
    activeChecks.apply(snapshot.health);
  });
  const trustedIps = trustedIpsMatcher(options.trustedIps ?? []);
  const counters = { requests: 0, accepted: 0, active: 0 };
  const fronts: Server[] = [];
  const httpServers: HttpServer[] = [];
  const addresses: RunningProxy["addresses"] = [];
  const resumption = sessionResumptionOf(options.sessionResumption, options.env.installationSecret);
  const tlsServers: TicketServers[] = [];
  // Made on demand (tls/ticket-servers.ts): read at each step of a shutdown.
  const allHttpServers = (): HttpServer[] => [...httpServers, ...tlsServers.flatMap((t) => t.servers())];

  const track = (socket: Socket): void => {
    counters.accepted++;
    counters.active++;
    socket.once("close", () => counters.active--);
  };
  // The server that listens: the listener's own, or a PROXY protocol gate in front of it.
  const accepting = (spec: ListenerSpec, inner: Server): Server => {
    const outer = spec.proxyProtocol
      ? createProxyProtocolGate({ inner, trusted: trustedIps, useSourceAsClient: options.proxyProtocolClient === true })
      : inner;
    outer.on("connection", track);
    return outer;
  };

  for (const spec of options.listeners) {
    // The port is known only after listen(); the handler reads it lazily.
    const portRef = { port: spec.port };
    const handler = (scheme: "http" | "https") =>
      guardHandler(createRequestHandler({
        snapshot: () => holder.snapshot,
        forwarder,
        grpcForwarder,
        trustedIps,
        realIp: options.realIp,
        log: options.log,
        scheme,
        get port() {
          return portRef.port;
        },
        onRequest: () => counters.requests++,
        observers: options.observers ?? [],
        ...(options.onAuthDecision ? { onAuthDecision: options.onAuthDecision } : {}),
      }), options.log);
    if (spec.ssl) {
      // Handshakes with an SNI go to servers holding no certificate of their own: their
      // SNICallback installs the one the certificates/snis entities name, else the default. (Node
      // installs a single certificate from that callback; a default of another key type left in
      // the server would still be picked by clients preferring that type.) Without an SNI,
      // servers holding the default certificate answer. One server per (SNI, certificate
      // requested), each with its own ticket key (docs/tls-resumption.md).
      const defaultCertificate = { cert: options.tls.cert, key: options.tls.key };
      const defaultFingerprint = createHash("sha256").update(defaultCertificate.cert).digest("hex");
      const serve = handler("https");
      // Where a non-WebSocket upgrade request is parsed again as a plain request (upgrade.ts).
      const reparse = http.createServer(serve);
      reparse.on("clientError", answerClientError);
      const onUpgrade = upgradeListener(serve, reparse);
      // Every TLS server of the listener is wired alike; the front emits its 'listening'.
      const tlsServer = (tlsOptions: tls.TlsOptions): tls.Server => {
        const server = createTlsHttpServer(tlsOptions, serve, spec.http2 === true);
        server.on("tlsClientError", () => undefined);
        server.on("clientError", answerClientError);
        server.on("upgrade", onUpgrade);
        return server;
      };
      const servers = new TicketServers({
        bySni: { SNICallback: serverCertificateCallback(() => holder.snapshot.serverCertificates, tls.createSecureContext(defaultCertificate)) },
        noSni: defaultCertificate,
        create: tlsServer,
        resumption,
        known: (name) => holder.snapshot.serverNames.has(name),
        certificate: (name) => (name === "" ? undefined : holder.snapshot.serverCertificates.fingerprintFor(name)) ?? defaultFingerprint,
      });
      holder.onSwap(() => servers.reconfigure());
      tlsServers.push(servers);
      const front = createSniFront({
        wantsClientCertificate: (name) => holder.snapshot.handshake.wantsClientCertificate(name),
        serverFor: (name, requestCertificate) => servers.serverFor(name, requestCertificate),
      });
      const outer = accepting(spec, front);
      portRef.port = await listen(outer, spec);
      fronts.push(outer);
      httpServers.push(reparse);
    } else {
      const serve = handler("http");
      const server = http.createServer(serve);
      const reparse = http.createServer(serve);
      reparse.on("clientError", answerClientError);
      server.on("clientError", answerClientError);
      server.on("upgrade", upgradeListener(serve, reparse));
      let inner: Server = server;
      if (spec.http2) {
        const h2c = createCleartextHttp2Server(serve);
        inner = createH2cFront(server, h2c);
        httpServers.push(h2c);
      }
      const outer = accepting(spec, inner);
      portRef.port = await listen(outer, spec);
      if (outer !== server) fronts.push(outer);
      if (inner !== server && inner !== outer) fronts.push(inner);
      httpServers.push(server, reparse);
    }
    addresses.push({ spec, port: portRef.port });
  }

  return {
    addresses,
    holder,
    stats: () => ({
      total_requests: counters.requests,
      connections_active: counters.active,
      connections_accepted: counters.accepted,
      connections_handled: counters.accepted,
      connections_reading: 0,
      connections_writing: 0,
      connections_waiting: 0,
    }),
    async close(graceMs = 10_000) {
      holder.stop();
      activeChecks.stop();
      for (const servers of tlsServers) servers.stop();
      const closing = [...fronts, ...allHttpServers()].map(
        (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
      );
      for (const s of allHttpServers()) closeIdleConnections(s);
      const timer = setTimeout(() => allHttpServers().forEach((s) => closeAllConnections(s)), graceMs);
      timer.unref();
      await Promise.all(closing);
      clearTimeout(timer);
      forwarder.close();
      grpcForwarder.close();
    },
  };
}
