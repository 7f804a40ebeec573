import type { PluginDefinition } from "@tether/core";
import { TETHER_VERSION } from "../version.ts";
import { createOpenIdConnectHandler } from "./handler.ts";
import { checkConfig, configSchema, type OpenIdConnectConfig } from "./schema.ts";

export const openIdConnect: PluginDefinition<OpenIdConnectConfig> = {
  name: "openid-connect",
  version: TETHER_VERSION,
  priority: 1050,
  configSchema,
  protocols: { default: ["grpc", "grpcs", "http", "https"], allowed: ["grpc", "grpcs", "http", "https"] },
  consumerScopable: false,
  requestsClientCertificate: false,
  checkConfig,
  createHandler: createOpenIdConnectHandler,
};
