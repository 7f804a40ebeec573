import type { PluginDefinition } from "@tether/core";
import { TETHER_VERSION } from "../version.ts";
import { configSchema, type TlsHandshakeModifierConfig } from "./schema.ts";

/**
 * Asks for the client certificate during the handshake (see the proxy's SNI front) and does
 * nothing in the access phase: it never validates the certificate, it only makes it available.
 */
export const tlsHandshakeModifier: PluginDefinition<TlsHandshakeModifierConfig> = {
  name: "tls-handshake-modifier",
  version: TETHER_VERSION,
  priority: 997,
  configSchema,
  protocols: { default: ["https", "grpcs"], allowed: ["https", "grpcs", "tls"] },
  consumerScopable: false,
  requestsClientCertificate: true,
  createHandler: () => ({}),
};
