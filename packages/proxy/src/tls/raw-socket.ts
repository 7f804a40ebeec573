import * as net from "node:net";

/**
 * The raw TCP socket of a connection: the socket itself, or, for a server-side TLSSocket
 * (`req.socket` on https), the socket it wraps. Per-connection facts the fronts learn before TLS
 * (SNI, ClientHello, the PROXY header's client) are kept by the raw socket. Node keeps the wrapped
 * socket in `_parent` (undocumented, not in @types/node; checked on Node 20.20):
 * tls/sni-front.test.ts and test/e2e/proxy-protocol.test.ts fail if that ever changes.
 */
export function rawSocketOf(socket: net.Socket): net.Socket {
  return "_parent" in socket && socket._parent instanceof net.Socket ? socket._parent : socket;
}
