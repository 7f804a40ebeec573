import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@tether/core";
import type { Store } from "@tether/store";
import { ConfigError } from "../config/listen.ts";

export const SESSION_SECRET_BYTES = 32;
const SECRET_NAME = "openid-connect.session";

/** The node's copy of the secret under the prefix (0600). */
export function sessionSecretPath(prefix: string): string {
  return join(prefix, "secrets", "session.key");
}

function readCopy(prefix: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(sessionSecretPath(prefix), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const secret = Buffer.from(text.trim(), "base64");
  // Never replace a damaged file silently: that would log every user out without a word.
  if (secret.length < SESSION_SECRET_BYTES)
    throw new ConfigError(`${sessionSecretPath(prefix)} does not hold a ${SESSION_SECRET_BYTES}-byte base64 secret; restore it, or delete it`);
  return secret;
}

function writeCopy(prefix: string, secret: Buffer): void {
  mkdirSync(join(prefix, "secrets"), { recursive: true, mode: 0o700 });
  writeFileSync(sessionSecretPath(prefix), `${secret.toString("base64")}\n`, { mode: 0o600 });
}

/**
 * The key of openid-connect session cookies made without a `session_secret`. It lives in the
 * database, created once by the first node that needs it (an older node's file is carried in),
 * so a cookie issued by one node or worker opens on every other. The node keeps a copy under its
 * prefix to start through a database outage. DB-less nodes have no database to share it through:
 * the prefix file is theirs alone (as Kong's, set `session_secret` on DB-less clusters).
 */
export async function sessionSecret(prefix: string, store: Store, log: Logger): Promise<Buffer> {
  const copy = readCopy(prefix);
  if (store.database === "off") {
    if (copy) return copy;
    const made = randomBytes(SESSION_SECRET_BYTES);
    writeCopy(prefix, made);
    return made;
  }
  let secret: Buffer;
  try {
    secret = await store.sharedSecret(SECRET_NAME, () => copy ?? randomBytes(SESSION_SECRET_BYTES));
  } catch (error) {
    if (!copy) throw error;
    log.warn("database unreachable: using this node's copy of the session secret", { error: String(error) });
    return copy;
  }
  if (!copy?.equals(secret)) writeCopy(prefix, secret);
  return secret;
}
