/** Kong's session timeouts in seconds; 0 disables one (lua-resty-session 4 semantics). */
export interface SessionTimeouts {
  idlingSec: number;
  rollingSec: number;
  absoluteSec: number;
}

/** When the session was created, last rolled (re-issued as a new period) and last seen; epoch ms. */
export interface SessionClock {
  createdAt: number;
  rolledAt: number;
  seenAt: number;
}

export type Refresh = "none" | "touch" | "roll";

/** lua-resty-session's touch threshold (60 s)... */
const TOUCH_THRESHOLD_MS = 60_000;

/**
 * ...capped at half the idling timeout: with a short idling timeout (tests, strict deployments)
 * a session in use must be touched before it idles out, which a fixed minute would not do.
 */
export function touchThresholdMs(idlingSec: number): number {
  return Math.min(TOUCH_THRESHOLD_MS, (idlingSec * 1000) / 2);
}

/** Which timeout (if any) has run out at `now`. */
export function expiredBy(clock: SessionClock, t: SessionTimeouts, now: number): "idling" | "rolling" | "absolute" | undefined {
  if (t.absoluteSec > 0 && now - clock.createdAt > t.absoluteSec * 1000) return "absolute";
  if (t.rollingSec > 0 && now - clock.rolledAt > t.rollingSec * 1000) return "rolling";
  if (t.idlingSec > 0 && now - clock.seenAt > t.idlingSec * 1000) return "idling";
  return undefined;
}

/**
 * lua-resty-session 4's `refresh`: once 3/4 of the rolling timeout is spent the session is
 * re-issued as a new period ("roll"); otherwise, when the idle clock has run past the touch
 * threshold, the cookie is re-issued with a fresh last-seen time ("touch"). Neither extends
 * the absolute timeout.
 */
export function refreshNeeded(clock: SessionClock, t: SessionTimeouts, now: number): Refresh {
  if (t.rollingSec > 0 && now - clock.rolledAt > Math.floor(t.rollingSec * 0.75) * 1000) return "roll";
  if (t.idlingSec > 0 && now - clock.seenAt > touchThresholdMs(t.idlingSec)) return "touch";
  return "none";
}

/** The clock after a refresh (or a fresh one for a new session). */
export function refreshed(clock: SessionClock | undefined, refresh: Refresh | "new", now: number): SessionClock {
  if (refresh === "new" || !clock) return { createdAt: now, rolledAt: now, seenAt: now };
  if (refresh === "roll") return { createdAt: clock.createdAt, rolledAt: now, seenAt: now };
  if (refresh === "touch") return { ...clock, seenAt: now };
  return clock;
}
