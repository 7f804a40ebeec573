/**
 * Config schema of the `tls-metadata-headers` plugin (Kong Enterprise 3.0+), as pure data.
 * Source: Kong's plugin reference (developer.konghq.com/plugins/tls-metadata-headers): five
 * header names with their defaults and `inject_client_cert_details` (default false). The header
 * names are Kong's `typedefs.header_name` (same message); they always have a value, since the
 * plugin strips each of them from every request.
 */
import type { FieldSchema, RecordSchema } from "@tether/core";

const headerName = (defaultName: string, description: string): FieldSchema => ({
  type: "string",
  default: defaultName,
  pattern: "^[a-zA-Z0-9_-]+$",
  message: "bad header name '%s', allowed characters are A-Z, a-z, 0-9, '_', and '-'",
  description,
});

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "inject_client_cert_details",
    "client_cert_header_name",
    "client_serial_header_name",
    "client_cert_issuer_dn_header_name",
    "client_cert_subject_dn_header_name",
    "client_cert_fingerprint_header_name",
  ],
  properties: {
    inject_client_cert_details: {
      type: "boolean",
      default: false,
      description: "Enables TLS client certificate metadata values to be injected into HTTP headers.",
    },
    client_cert_header_name: headerName("X-Client-Cert", "Header carrying the client certificate (and the intermediates it sent) as URL-encoded PEM."),
    client_serial_header_name: headerName("X-Client-Cert-Serial", "Header carrying the serial number of the client certificate."),
    client_cert_issuer_dn_header_name: headerName("X-Client-Cert-Issuer-DN", "Header carrying the issuer DN of the client certificate."),
    client_cert_subject_dn_header_name: headerName("X-Client-Cert-Subject-DN", "Header carrying the subject DN of the client certificate."),
    client_cert_fingerprint_header_name: headerName("X-Client-Cert-Fingerprint", "Header carrying the SHA-1 fingerprint of the client certificate."),
  },
};

export interface TlsMetadataHeadersConfig {
  inject_client_cert_details: boolean;
  client_cert_header_name: string;
  client_serial_header_name: string;
  client_cert_issuer_dn_header_name: string;
  client_cert_subject_dn_header_name: string;
  client_cert_fingerprint_header_name: string;
}
