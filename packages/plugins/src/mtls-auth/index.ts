import type { PluginDefinition } from "@tether/core";
import { TETHER_VERSION } from "../version.ts";
import { createMtlsAuthHandler } from "./handler.ts";
import { checkConfig, configSchema, type MtlsAuthConfig } from "./schema.ts";

/**
 * Kong Enterprise's mtls-auth: asks for the client certificate in the handshake (the SNI map, as
 * tls-handshake-modifier) and in the access phase verifies it against `ca_certificates` and maps
 * it to a consumer. Priority 1600: before openid-connect (1050), so a bad certificate never
 * reaches token verification.
 */
export const mtlsAuth: PluginDefinition<MtlsAuthConfig> = {
  name: "mtls-auth",
  version: TETHER_VERSION,
  priority: 1600,
  configSchema,
  protocols: { default: ["grpc", "grpcs", "http", "https"], allowed: ["grpc", "grpcs", "http", "https"] },
  consumerScopable: false,
  requestsClientCertificate: true,
  checkConfig,
  createHandler: createMtlsAuthHandler,
};
