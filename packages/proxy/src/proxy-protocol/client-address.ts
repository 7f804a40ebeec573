/**
 * The client address of a connection: the one every reader in the proxy uses (X-Forwarded-For,
 * X-Real-IP, the log entry, trusted_ips decisions). It is the TCP peer, unless a trusted load
 * balancer named the client in a PROXY protocol header and `real_ip_header = proxy_protocol`.
 */
import * as net from "node:net";

/** Keyed by the raw TCP socket; a TLSSocket is resolved through the socket it wraps. */
const proxiedClients = new WeakMap<net.Socket, string>();

/** Records the client a PROXY header named for this (raw) connection. */
export function setProxiedClient(socket: net.Socket, address: string): void {
  proxiedClients.set(socket, address);
}

/** The client address for `socket` (the raw socket, or the TLSSocket `req.socket` is on https). */
export function clientAddressOf(socket: net.Socket): string | undefined {
  const proxied = proxiedClients.get(socket);
  if (proxied !== undefined) return proxied;
  // A server-side TLSSocket keeps the socket it wraps in `_parent` (undocumented; the same
  // reliance as tls/sni-front.ts, covered by the ssl case of test/e2e/proxy-protocol.test.ts).
  if ("_parent" in socket && socket._parent instanceof net.Socket) {
    const parent = proxiedClients.get(socket._parent);
    if (parent !== undefined) return parent;
  }
  return socket.remoteAddress;
}
