import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { TLSSocket, type DetailedPeerCertificate } from "node:tls";
import type { ClientCertificate, Thumbprint } from "@tether/core";

const cache = new WeakMap<Socket, ClientCertificate | null>();

/** RFC 8705 `x5t#S256`: base64url of SHA-256 over the DER, no padding. */
export function thumbprintOf(der: Buffer): Thumbprint {
  return createHash("sha256").update(der).digest("base64url") as Thumbprint;
}

/** Longest chain read off a connection: real client chains are two or three certificates. */
const MAX_CHAIN = 10;

/**
 * The certificates after the leaf in `getPeerCertificate(true)`'s issuer walk. Node builds that
 * walk from what the client sent (and may append an issuer found in the server's default root
 * store); a self-signed certificate points at itself, so the walk stops at the first repeat.
 */
function chainAfter(leaf: DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<object>([leaf]);
  for (let cert = leaf.issuerCertificate; cert && !seen.has(cert) && chain.length < MAX_CHAIN; cert = cert.issuerCertificate) {
    seen.add(cert);
    if (cert.raw) chain.push(cert.raw);
  }
  return chain;
}

/**
 * The client certificate of a connection (leaf and the intermediates it sent), read and hashed
 * at most once per connection, on first use.
 *
 * Read through `getPeerCertificate(true)` only: on Node 20 a call to `getPeerX509Certificate()`
 * on a server socket empties the peer chain that a later `getPeerCertificate(true)` walks (the
 * leaf's `issuerCertificate` is gone), so one detailed read serves both.
 */
export function clientCertificateOf(socket: Socket): ClientCertificate | undefined {
  const cached = cache.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  let value: ClientCertificate | null = null;
  if (socket instanceof TLSSocket) {
    const leaf = socket.getPeerCertificate(true);
    // No certificate: Node returns an empty object (or null once the socket is destroyed).
    if (leaf?.raw) {
      const chain = chainAfter(leaf);
      value = { der: leaf.raw, thumbprint: thumbprintOf(leaf.raw), presentedChain: () => chain };
    }
  }
  cache.set(socket, value);
  return value ?? undefined;
}
