/**
 * Where a request comes from. Per connection: the TCP peer, unless a trusted load balancer named
 * the client in a PROXY protocol header and `real_ip_header = proxy_protocol`. Per request: that,
 * or the address a trusted peer put in the `real_ip_header` (http/real-ip.ts), which X-Real-IP
 * and the log entry carry.
 */
import type { IncomingMessage } from "node:http";
import type * as net from "node:net";
import { rawSocketOf } from "../tls/raw-socket.ts";
import { KONG_REAL_IP, realClientAddress, type ClientAddress, type RealIpSettings } from "../http/real-ip.ts";
import type { TrustedIps } from "../http/trusted-ips.ts";

/** Keyed by the raw TCP socket (rawSocketOf resolves a TLSSocket to it). */
const proxiedClients = new WeakMap<net.Socket, string>();
/** A request's client address when a header named it, for its log entry (written when the response is over). */
const requestClients = new WeakMap<IncomingMessage, string>();

/** Records the client a PROXY header named for this (raw) connection. */
export function setProxiedClient(socket: net.Socket, address: string): void {
  proxiedClients.set(socket, address);
}

/** The client address of the connection `socket` (the raw socket, or the TLSSocket `req.socket` is on https). */
export function clientAddressOf(socket: net.Socket): string | undefined {
  return proxiedClients.get(rawSocketOf(socket)) ?? socket.remoteAddress;
}

/** Decides the request's client address (Kong's realip, http/real-ip.ts) and remembers it for the log. */
export function resolveClient(req: IncomingMessage, trusted: TrustedIps, settings: RealIpSettings = KONG_REAL_IP): ClientAddress {
  const client = realClientAddress({
    peer: req.socket.remoteAddress ?? "",
    proxied: proxiedClients.get(rawSocketOf(req.socket)),
    rawHeaders: req.rawHeaders,
    trusted,
    settings,
  });
  // Only a header-named client is remembered: the pass-through path pays no map write per request.
  if (client.address !== client.peer) requestClients.set(req, client.address);
  return client;
}

/** The request's client address as resolveClient decided it, else its connection's. */
export function requestClientAddressOf(req: IncomingMessage): string | undefined {
  return requestClients.get(req) ?? clientAddressOf(req.socket);
}
