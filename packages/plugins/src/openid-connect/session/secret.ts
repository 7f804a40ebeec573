import { randomBytes } from "node:crypto";
import type { PluginEnvironment } from "@tether/core";

let processSecret: Buffer | undefined;

/**
 * What session keys are derived from: `session_secret` when configured (shared by every node
 * that has the same config, as Kong's is), else the installation secret the CLI keeps under the
 * prefix (Kong generates one and stores it with the discovery cache). A host that provides
 * neither gets a per-process secret: sessions then end with the process, which is logged once.
 */
export function sessionSecret(config: { session_secret?: string | null }, env: PluginEnvironment): string | Buffer {
  if (config.session_secret) return config.session_secret;
  if (env.installationSecret && env.installationSecret.length > 0) return env.installationSecret;
  if (!processSecret) {
    processSecret = randomBytes(32);
    env.log.warn("openid-connect: no session_secret and no installation secret; sessions last only as long as this process");
  }
  return processSecret;
}
