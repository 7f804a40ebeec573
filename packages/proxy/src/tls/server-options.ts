import type * as tls from "node:tls";

/**
 * Options for the TLS server that asks for a client certificate (the SNI front hands it the
 * connections whose SNI a tls-handshake-modifier / mtls-auth plugin can apply to).
 *
 * - `rejectUnauthorized: false`: the handshake never fails over a missing or untrusted
 *   certificate; plugins look at it and answer with HTTP errors (design.md, "The TLS handshake").
 * - Session resumption is set by the caller (session-tickets.ts): tickets sealed with this
 *   server's own key, so a session made where no certificate was requested never opens here.
 */
export function certificateRequestingOptions(base: tls.TlsOptions): tls.TlsOptions {
  return {
    ...base,
    requestCert: true,
    rejectUnauthorized: false,
  };
}

/** Options for the TLS server that never sends a CertificateRequest. */
export function plainOptions(base: tls.TlsOptions): tls.TlsOptions {
  return { ...base, requestCert: false, rejectUnauthorized: false };
}
