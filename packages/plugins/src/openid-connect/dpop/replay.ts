import { createHash } from "node:crypto";
import type { PluginEnvironment } from "@tether/core";
import { ExpiringLru } from "../../cache/expiring-lru.ts";

/**
 * How many accepted proofs a process remembers. Each entry is a 22-character digest and an
 * expiry (~135 bytes with the map's overhead, measured), so the bound is ~14 MB per worker; at the default
 * 300 s lifetime it covers ~330 DPoP requests per second per worker before the oldest are
 * forgotten early (docs/plugins/openid-connect.md, DPoP).
 */
export const REPLAY_CAPACITY = 100_000;

/**
 * RFC 9449 section 11.1: a proof is accepted once. Keyed by (JWK thumbprint, jti), hashed so a
 * long `jti` costs nothing to keep, and remembered until the proof could no longer pass the `iat`
 * check anyway. Per process: across workers or nodes a proof can be replayed at most once per
 * process, within its lifetime.
 */
export class ReplayGuard {
  private readonly seen: ExpiringLru<true>;

  constructor(capacity = REPLAY_CAPACITY, now: () => number = Date.now) {
    this.seen = new ExpiringLru(capacity, now);
  }

  /** True the first time (jkt, jti) is presented; remembered until `expiresAtMs`. */
  firstUse(jkt: string, jti: string, expiresAtMs: number): boolean {
    const key = createHash("sha256").update(jkt).update("\0").update(jti).digest().subarray(0, 16).toString("base64url");
    if (this.seen.get(key)) return false;
    this.seen.set(key, true, expiresAtMs);
    return true;
  }
}

const byEnv = new WeakMap<PluginEnvironment, ReplayGuard>();

/** One guard per process environment, shared by every openid-connect instance. */
export function replayGuardFor(env: PluginEnvironment): ReplayGuard {
  let guard = byEnv.get(env);
  if (!guard) {
    guard = new ReplayGuard();
    byEnv.set(env, guard);
  }
  return guard;
}
