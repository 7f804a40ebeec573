/**
 * Config schema of the `tls-handshake-modifier` plugin (Kong Enterprise 3.0+), as pure data.
 * Source: reference section 5.1 and Appendix C. The plugin only makes Kong request a client
 * certificate during the TLS handshake; `REQUEST` is the only accepted value.
 */
import type { RecordSchema } from "@tether/core";

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    tls_client_certificate: {
      type: ["string", "null"],
      enum: ["REQUEST", null],
      default: "REQUEST",
      description: "Request (but do not require or verify) a client certificate during the handshake.",
    },
  },
};

export interface TlsHandshakeModifierConfig {
  tls_client_certificate: "REQUEST" | null;
}
