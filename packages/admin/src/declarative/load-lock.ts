/**
 * Kong's `declarative:lock` (kong/db/declarative/import.lua): one configuration load at a time on
 * a node. A second load while one runs is refused (429) with `Retry-After` = what is left of the
 * lock, at most 10 s; a lock older than 60 s (a load that never finished) no longer holds.
 */
export const LOCK_TTL_MS = 60_000;
export const RETRY_AFTER_MAX_S = 10;

export type Acquired = { ok: true; release: () => void } | { ok: false; retryAfter: number };

export class LoadLock {
  private heldUntil = 0;
  private holder = 0;

  constructor(private readonly now: () => number = Date.now) {}

  acquire(): Acquired {
    const now = this.now();
    if (now < this.heldUntil) return { ok: false, retryAfter: Math.min(Math.ceil((this.heldUntil - now) / 1000), RETRY_AFTER_MAX_S) };
    this.heldUntil = now + LOCK_TTL_MS;
    const holder = ++this.holder;
    // Releasing a lock that expired and was taken by another load must not free that one's.
    return { ok: true, release: () => void (this.holder === holder && (this.heldUntil = 0)) };
  }
}
