import type { AccessContext, PluginDefinition, PluginHandler } from "@tether/core";
import { TETHER_VERSION } from "../version.ts";
import { certificateDetails } from "./certificate-details.ts";
import { configSchema, type TlsMetadataHeadersConfig } from "./schema.ts";

function createHandler(config: TlsMetadataHeadersConfig): PluginHandler {
  const headers = [
    config.client_cert_header_name,
    config.client_serial_header_name,
    config.client_cert_issuer_dn_header_name,
    config.client_cert_subject_dn_header_name,
    config.client_cert_fingerprint_header_name,
  ];
  // Whatever the client sent under these names is never vouched for by the gateway: gone first,
  // whether or not a certificate is on the connection, whether or not we inject, and also on
  // a route's plain-http requests, where Kong's protocols (grpcs, https) keep `access` from running.
  const removeForged = (ctx: AccessContext): void => {
    for (const name of headers) ctx.removeUpstreamHeader(name);
  };
  return {
    outOfScope: removeForged,
    access(ctx: AccessContext) {
      removeForged(ctx);
      if (!config.inject_client_cert_details) return undefined;
      const presented = ctx.clientCertificate();
      const details = presented && certificateDetails(presented);
      if (!details) return undefined;
      ctx.setUpstreamHeader(config.client_cert_header_name, details.escapedPem);
      ctx.setUpstreamHeader(config.client_serial_header_name, details.serial);
      // An empty DN has nothing to say (Kong 3.12 stopped failing on one).
      if (details.issuerDn) ctx.setUpstreamHeader(config.client_cert_issuer_dn_header_name, details.issuerDn);
      if (details.subjectDn) ctx.setUpstreamHeader(config.client_cert_subject_dn_header_name, details.subjectDn);
      ctx.setUpstreamHeader(config.client_cert_fingerprint_header_name, details.fingerprint);
      return undefined;
    },
  };
}

/**
 * Kong Enterprise's tls-metadata-headers: passes the client certificate's metadata upstream in
 * headers, never validating it. It only reads the certificate another plugin asked for in the
 * handshake (tls-handshake-modifier or mtls-auth); alone, no certificate is ever on the
 * connection. Priority 996: right after tls-handshake-modifier (997), after the auth plugins.
 */
export const tlsMetadataHeaders: PluginDefinition<TlsMetadataHeadersConfig> = {
  name: "tls-metadata-headers",
  version: TETHER_VERSION,
  priority: 996,
  configSchema,
  protocols: { default: ["grpcs", "https"], allowed: ["grpcs", "https", "tls"] },
  consumerScopable: false,
  requestsClientCertificate: false,
  createHandler,
};
