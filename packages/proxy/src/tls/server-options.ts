import { constants } from "node:crypto";
import type * as tls from "node:tls";

/**
 * Options for the TLS server that asks for a client certificate (the SNI front hands it the
 * connections whose SNI a tls-handshake-modifier / mtls-auth plugin can apply to).
 *
 * - `rejectUnauthorized: false`: the handshake never fails over a missing or untrusted
 *   certificate; plugins look at it and answer with HTTP errors (design.md, "The TLS handshake").
 * - Session resumption is off, so every connection carries a fresh Certificate message and a
 *   session negotiated under one configuration is never resumed under another.
 *   `SSL_OP_NO_TICKET` stops stateless tickets (TLS 1.2) and makes OpenSSL issue only stateful
 *   TLS 1.3 tickets; Node runs OpenSSL's session cache with SSL_SESS_CACHE_NO_INTERNAL, so
 *   stateful tickets and TLS 1.2 session IDs can only be resumed through the server's
 *   'resumeSession' event. Checked on Node 20.20 / OpenSSL 3.0 for TLS 1.2 and 1.3 (see
 *   sni-front.test.ts): `isSessionReused()` is false on a second connection offering the first
 *   one's session. Never attach 'newSession'/'resumeSession' listeners to this server: with them,
 *   TLS 1.2 session-ID resumption comes back. (`sessionTimeout: 0` does not disable tickets.)
 */
export function certificateRequestingOptions(base: tls.TlsOptions): tls.TlsOptions {
  return {
    ...base,
    requestCert: true,
    rejectUnauthorized: false,
    secureOptions: (base.secureOptions ?? 0) | constants.SSL_OP_NO_TICKET,
  };
}

/** Options for the TLS server that never sends a CertificateRequest (resumption stays on). */
export function plainOptions(base: tls.TlsOptions): tls.TlsOptions {
  return { ...base, requestCert: false, rejectUnauthorized: false };
}
