import http, { type ClientRequestArgs } from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { connectOptionsOf, type UpstreamTls } from "../snapshot/upstream-tls.ts";
import { connectWithRetries, dialOnce } from "./connect-retry.ts";
import type { Upstream } from "./plan.ts";
import { PoolRegistry } from "./pools.ts";

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

class RetryingHttpsAgent extends https.Agent {
  /** The service's TLS; none set: the upstream's certificate is not verified (Kong's default). */
  private readonly tls: ConnectionOptions;

  constructor(
    private readonly settings: ConnectSettings,
    tls: UpstreamTls | undefined,
  ) {
    super(AGENT_OPTIONS);
    this.tls = connectOptionsOf(tls);
  }

  override createConnection(options: https.RequestOptions, callback?: OnSocket): Duplex | undefined {
    // https.Agent's own createConnection does tls.connect with its TLS session cache; the
    // service's TLS applies whatever the request said (http-proxy passes no checkServerIdentity).
    const create = (): TLSSocket => super.createConnection({ ...options, ...this.tls }) as TLSSocket;
    connectWithRetries(dialOnce(create, "secureConnect", this.settings.connectTimeout), this.settings.retries, (error, socket) => callback?.(error, socket as Duplex));
    return undefined;
  }
}

function agentFor({ service, tls }: Upstream): http.Agent {
  const settings = { connectTimeout: service.connect_timeout, retries: service.retries };
  return service.protocol === "https" ? new RetryingHttpsAgent(settings, tls) : new RetryingHttpAgent(settings);
}

/**
 * Closes the agent's idle connections now and each busy one once its request is done (Node's
 * Agent destroys a released socket that keepSocketAlive does not keep); requests still queued
 * for it are served first. New requests would still be served, each on a connection of its own.
 */
function retire(agent: http.Agent): void {
  agent.keepSocketAlive = () => undefined;
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/** http-proxy's keep-alive agents, one per upstream origin and connection settings (pools.ts). */
export class AgentPool extends PoolRegistry<http.Agent> {
  constructor() {
    super(agentFor, retire);
  }

  destroy(): void {
    for (const agent of this.drain()) agent.destroy();
  }
}
