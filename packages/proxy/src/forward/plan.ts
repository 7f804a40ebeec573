import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex, Readable } from "node:stream";
import type { Service } from "@tether/core";
import type { UpstreamTls } from "../snapshot/upstream-tls.ts";
import type { ForwardFailure } from "./failure.ts";

/** One request's forwarding instructions, the same for both engines. */
export interface ForwardPlan {
  service: Service;
  /** The service's own upstream TLS (client certificate, verification), from the snapshot. */
  tls?: UpstreamTls | undefined;
  /** Path and query to request upstream. */
  upstreamUrl: string;
  /** The body to send when a plugin buffered it (http-proxy's `buffer`); else the request streams. */
  body?: Readable | undefined;
  /**
   * Called with the upstream's response headers (hop-by-hop ones already removed) just before
   * they are written to the client, to add what the gateway adds (Via, latencies, Server).
   */
  onResponse?(headers: IncomingHttpHeaders, httpVersion: string): void;
  /**
   * A balanced service (its host names an upstream): after a failed try that may be retried (a
   * failed connection, or a resend retrySend allows), the target to try next (Kong's balancer
   * retries go to another target), or undefined when there is none or the retries are spent.
   */
  retarget?(failure: ForwardFailure): Pick<ForwardPlan, "service"> | undefined;
  /** Forwarding failed before any of the response reached the client. */
  onFailure(failure: ForwardFailure): void;
}

/** A service and its upstream TLS: what a connection pool is made for. */
export type Upstream = Pick<ForwardPlan, "service" | "tls">;

/** A forwarding engine: undici (`UndiciForwarder`, the default) or http-proxy (`Forwarder`). */
export interface ForwardingEngine {
  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void;
  /** A WebSocket handshake that passed routing and plugins: tunnel it to the upstream. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, plan: ForwardPlan): void;
  /**
   * Told every upstream of each new configuration once it serves: connection pools none of them
   * uses close, each once its requests are done.
   */
  retain?(upstreams: readonly Upstream[]): void;
  close(): void;
}
