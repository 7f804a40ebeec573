/**
 * The client address of a connection: the one every reader in the proxy uses (X-Forwarded-For,
 * X-Real-IP, the log entry, trusted_ips decisions). It is the TCP peer, unless a trusted load
 * balancer named the client in a PROXY protocol header and `real_ip_header = proxy_protocol`.
 */
import type * as net from "node:net";
import { rawSocketOf } from "../tls/raw-socket.ts";

/** Keyed by the raw TCP socket (rawSocketOf resolves a TLSSocket to it). */
const proxiedClients = new WeakMap<net.Socket, string>();

/** Records the client a PROXY header named for this (raw) connection. */
export function setProxiedClient(socket: net.Socket, address: string): void {
  proxiedClients.set(socket, address);
}

/** The client address for `socket` (the raw socket, or the TLSSocket `req.socket` is on https). */
export function clientAddressOf(socket: net.Socket): string | undefined {
  return proxiedClients.get(rawSocketOf(socket)) ?? socket.remoteAddress;
}
