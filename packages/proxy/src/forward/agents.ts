import http, { type ClientRequestArgs } from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Service } from "@tether/core";
import type { UpstreamTls } from "../snapshot/upstream-tls.ts";
import { connectWithRetries, dialOnce } from "./connect-retry.ts";

/** What a connection to a service needs beyond its address: Kong's per-service knobs. */
export interface ConnectSettings {
  connectTimeout: number;
  retries: number;
}

type OnSocket = (error: Error | null, stream: Duplex) => void;

const AGENT_OPTIONS: http.AgentOptions = { keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: "lifo" };

/**
 * A keep-alive agent whose new connections are made with the service's connect_timeout and
 * retries. Node's Agent accepts a socket handed over later through the callback, so the request
 * simply waits while connections are retried, and is given a socket only once one is up.
 */
class RetryingHttpAgent extends http.Agent {
  constructor(private readonly settings: ConnectSettings) {
    super(AGENT_OPTIONS);
  }

  override createConnection(options: ClientRequestArgs, callback?: OnSocket): Duplex | undefined {
    const attempt = dialOnce(() => net.createConnection(options as net.NetConnectOpts), "connect", this.settings.connectTimeout);
    connectWithRetries(attempt, this.settings.retries, (error, socket) => callback?.(error, socket as Duplex));
    return undefined;
  }
}

/** Without TLS settings of its own a service's certificate is not verified (Kong's default). */
class RetryingHttpsAgent extends https.Agent {
  constructor(
    private readonly settings: ConnectSettings,
    private readonly tls: UpstreamTls | undefined,
  ) {
    super(AGENT_OPTIONS);
  }

  override createConnection(options: https.RequestOptions, callback?: OnSocket): Duplex | undefined {
    // https.Agent's own createConnection does tls.connect with its TLS session cache; the
    // service's TLS applies whatever the request said (http-proxy passes no checkServerIdentity).
    const create = (): TLSSocket => super.createConnection({ ...options, rejectUnauthorized: false, ...this.tls?.options }) as TLSSocket;
    connectWithRetries(dialOnce(create, "secureConnect", this.settings.connectTimeout), this.settings.retries, (error, socket) => callback?.(error, socket as Duplex));
    return undefined;
  }
}

/**
 * One agent per (scheme, connect_timeout, retries, upstream TLS): services that share those share
 * a pool. The agent keys its sockets by host and port itself, so this stays a handful of agents.
 */
export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();
  /** Service entities are immutable within a snapshot: remember their agent without a key string. */
  private byService = new WeakMap<Service, http.Agent>();

  agentFor(service: Service, tls: UpstreamTls | undefined): http.Agent {
    const known = this.byService.get(service);
    if (known) return known;
    const secure = service.protocol === "https";
    const key = `${secure ? "https" : "http"}|${service.connect_timeout}|${service.retries}|${tls?.id ?? ""}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const settings = { connectTimeout: service.connect_timeout, retries: service.retries };
      agent = secure ? new RetryingHttpsAgent(settings, tls) : new RetryingHttpAgent(settings);
      this.agents.set(key, agent);
    }
    this.byService.set(service, agent);
    return agent;
  }

  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.byService = new WeakMap();
  }
}
