import type { PluginDefinition } from "@tether/core";
import { openIdConnect } from "./openid-connect/index.ts";
import { tlsHandshakeModifier } from "./tls-handshake-modifier/index.ts";

export { TETHER_VERSION } from "./version.ts";

/**
 * The plugins this build serves, by name. mtls-auth's schema exists (mtls-auth/schema.ts) but the
 * plugin is not offered until its verification is built: a plugin that cannot enforce must not load.
 */
export const bundledPlugins: ReadonlyMap<string, PluginDefinition> = new Map<string, PluginDefinition>(
  [openIdConnect, tlsHandshakeModifier].map((p) => [p.name, p as unknown as PluginDefinition]),
);
