import type { IdpRequestKind, PluginMetrics } from "@tether/core";
import * as oidc from "openid-client";

/**
 * `fetch` that reports every request to the IdP (its kind, whether it answered 2xx, how long it
 * took) to the `tether_idp_*` metrics. Without metrics it is `fetch` itself.
 */
export function reportingFetch(kind: IdpRequestKind, fetch: typeof globalThis.fetch, metrics: PluginMetrics | undefined): typeof globalThis.fetch {
  if (!metrics) return fetch;
  return async (input, init) => {
    const started = performance.now();
    try {
      const response = await fetch(input, init);
      metrics.idpRequest(kind, response.ok ? "ok" : "error", (performance.now() - started) / 1000);
      return response;
    } catch (error) {
      metrics.idpRequest(kind, "error", (performance.now() - started) / 1000);
      throw error;
    }
  };
}

/** Node's codes for a server certificate the client does not accept (untrusted, expired, wrong name). */
const TRUST_FAILURES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Whether a failed IdP request failed because the IdP's certificate was not accepted: the node's
 * trust (`trusted_certificate`, `tls_client_auth_ssl_verify`) is the operator's to fix, so it is
 * a 500 like a failed discovery, not the caller's 401. fetch wraps the TLS error in `cause`s.
 */
export function isTrustFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (TRUST_FAILURES.has(String((e as Error & { code?: unknown }).code))) return true;
  }
  return false;
}

/** An IdP error as a short reason: its `error` code and description, or the transport error. */
export function idpErrorText(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) return error.error_description ? `${error.error}: ${error.error_description}` : error.error;
  return error instanceof Error ? error.message : String(error);
}
