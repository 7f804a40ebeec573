import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { ClientCertificate, Thumbprint } from "@tether/core";

const cache = new WeakMap<Socket, ClientCertificate | null>();

/** RFC 8705 `x5t#S256`: base64url of SHA-256 over the DER, no padding. */
export function thumbprintOf(der: Buffer): Thumbprint {
  return createHash("sha256").update(der).digest("base64url") as Thumbprint;
}

/** The leaf certificate of a connection, read and hashed at most once per connection. */
export function clientCertificateOf(socket: Socket): ClientCertificate | undefined {
  const cached = cache.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  let value: ClientCertificate | null = null;
  if (socket instanceof TLSSocket) {
    const cert = socket.getPeerX509Certificate();
    if (cert) value = { der: cert.raw, thumbprint: thumbprintOf(cert.raw) };
  }
  cache.set(socket, value);
  return value ?? undefined;
}
