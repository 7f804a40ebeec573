import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./config/listen.ts";

export const INSTALLATION_SECRET_BYTES = 32;

/** Where the per-installation secret lives under the prefix. */
export function installationSecretPath(prefix: string): string {
  return join(prefix, "secrets", "session.key");
}

/**
 * The installation's secret (32 random bytes, base64 text in `<prefix>/secrets/session.key`, 0600),
 * made on first start. The primary calls this before forking, so workers only ever read it, and a
 * restart finds the same bytes: session cookies encrypted without a configured `session_secret`
 * stay valid across workers and restarts. Created with `wx` so two processes racing on a fresh
 * prefix cannot both write: the loser reads the winner's file.
 */
export function installationSecret(prefix: string): Buffer {
  const path = installationSecretPath(prefix);
  mkdirSync(join(prefix, "secrets"), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${randomBytes(INSTALLATION_SECRET_BYTES).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  // Never replace a damaged file silently: that would log every user out without a word.
  if (secret.length < INSTALLATION_SECRET_BYTES)
    throw new ConfigError(`${path} does not hold a ${INSTALLATION_SECRET_BYTES}-byte base64 secret; restore it, or delete it to make a new one (existing sessions end)`);
  return secret;
}
