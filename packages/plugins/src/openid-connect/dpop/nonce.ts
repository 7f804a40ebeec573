import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/** Nonces change every minute (node-oidc-provider's step, standards 1.4). */
export const NONCE_STEP_SEC = 60;
const NONCE_BYTES = 32;

/**
 * Stateless DPoP nonces (RFC 9449 section 9): the nonce of a time step is the HMAC of that step
 * under a key derived from the installation secret, so every worker and every node sharing the
 * secret issues and accepts the same nonces without talking to each other. A nonce is accepted
 * for as many steps back as the proof lifetime spans, and one step ahead (clock drift between
 * nodes); nothing is stored.
 */
export class DpopNonces {
  private readonly key: Buffer;
  private readonly stepsBack: number;

  constructor(secret: string | Buffer, lifetimeSec: number) {
    this.key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "tether openid-connect dpop nonce", NONCE_BYTES));
    this.stepsBack = Math.max(1, Math.ceil(lifetimeSec / NONCE_STEP_SEC));
  }

  private of(step: number): Buffer {
    return createHmac("sha256", this.key).update(String(step)).digest();
  }

  /** The nonce of the current step, for `DPoP-Nonce`. */
  issue(nowSec: number): string {
    return this.of(Math.floor(nowSec / NONCE_STEP_SEC)).toString("base64url");
  }

  /** Whether `nonce` is one this installation issued within the window (constant-time). */
  valid(nonce: unknown, nowSec: number): boolean {
    if (typeof nonce !== "string" || nonce.length > 64) return false;
    const given = Buffer.from(nonce, "base64url");
    if (given.length !== NONCE_BYTES) return false;
    const current = Math.floor(nowSec / NONCE_STEP_SEC);
    let found = false;
    for (let step = current - this.stepsBack; step <= current + 1; step++) found = timingSafeEqual(given, this.of(step)) || found;
    return found;
  }
}
