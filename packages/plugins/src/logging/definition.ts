import type { PluginDefinition } from "@tether/core";
import { TETHER_VERSION } from "../version.ts";

/**
 * A log plugin as Kong declares them (file-log, http-log): Kong's `typedefs.protocols` (every
 * protocol allowed, the HTTP family by default), any scope including a consumer, and no
 * certificate request: only a log phase.
 */
export function logPlugin<Config>(
  plugin: Pick<PluginDefinition<Config>, "name" | "priority" | "configSchema" | "checkConfig" | "createHandler">,
): PluginDefinition<Config> {
  return {
    ...plugin,
    version: TETHER_VERSION,
    protocols: {
      default: ["grpc", "grpcs", "http", "https"],
      allowed: ["grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"],
    },
    consumerScopable: true,
    requestsClientCertificate: false,
  };
}
