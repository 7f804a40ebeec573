import tls from "node:tls";
import type { ServerCertificates } from "../snapshot/server-certificates.ts";
import { signatureSchemesOf } from "./client-hello.ts";
import { clientHelloOf } from "./sni-front.ts";

type SniCallback = NonNullable<tls.TlsOptions["SNICallback"]>;

/**
 * The SNICallback of the TLS servers that hold no certificate themselves: the certificate the
 * current snapshot serves under the client's SNI, else `fallback` (the default certificate). Node
 * calls it with the TLSSocket as `this`, through which the front's copy of the ClientHello is
 * found when a certificate has a `cert_alt` to choose from. A lookup that throws serves the
 * fallback: the handshake never fails over the certificate choice.
 */
export function serverCertificateCallback(current: () => ServerCertificates, fallback: tls.SecureContext): SniCallback {
  return function (this: unknown, servername, callback) {
    const socket = this;
    const schemes = (): number[] | undefined => {
      const hello = socket instanceof tls.TLSSocket ? clientHelloOf(socket) : undefined;
      return hello === undefined ? undefined : signatureSchemesOf(hello);
    };
    let context: tls.SecureContext | undefined;
    try {
      context = current().contextFor(servername, schemes);
    } catch {
      context = undefined;
    }
    callback(null, context ?? fallback);
  };
}
