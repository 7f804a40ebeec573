import type { AccessContext } from "@tether/core";
import type { OpenIdConnectConfig } from "../schema.ts";
import { deriveSessionKey, open, seal, type SessionKey } from "./cookie-codec.ts";
import { clearingValue, presentChunks, readChunked, setCookieValues, type CookieAttributes } from "./cookies.ts";
import { decodeRecord, encodeRecord, type SessionRecord } from "./record.ts";
import { expiredBy, refreshed, refreshNeeded, type SessionTimeouts } from "./timeouts.ts";

export type SessionRead =
  | { kind: "none" }
  /** A cookie is there but is no session of ours (tampered, foreign, expired): treated as absent. */
  | { kind: "invalid"; reason: string }
  | { kind: "found"; record: SessionRecord; chunks: number };

type SessionConfig = Pick<
  OpenIdConnectConfig,
  | "session_secret"
  | "session_audience"
  | "session_cookie_name"
  | "session_cookie_path"
  | "session_cookie_domain"
  | "session_cookie_same_site"
  | "session_cookie_http_only"
  | "session_cookie_secure"
  | "session_idling_timeout"
  | "session_rolling_timeout"
  | "session_absolute_timeout"
>;

export function sessionTimeouts(config: SessionConfig): SessionTimeouts {
  return {
    idlingSec: config.session_idling_timeout ?? 900,
    rollingSec: config.session_rolling_timeout ?? 3600,
    absoluteSec: config.session_absolute_timeout ?? 86400,
  };
}

/**
 * The session cookie of one plugin instance: reads and checks it (decryption, format,
 * timeouts), issues it (new, touched or rolled) and clears it, through response headers.
 * `secret` is `session_secret` when configured, else the installation's secret.
 */
export class SessionCookies {
  readonly name: string;
  private readonly key: SessionKey;
  private readonly timeouts: SessionTimeouts;

  constructor(
    private readonly config: SessionConfig,
    secret: string | Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.name = config.session_cookie_name ?? "session";
    this.key = deriveSessionKey(secret, config.session_audience ?? "default");
    this.timeouts = sessionTimeouts(config);
  }

  /** Kong's flags: Path, Domain if set, SameSite (none for `Default`), HttpOnly, Secure on HTTPS unless configured. */
  attributes(ctx: Pick<AccessContext, "scheme">): CookieAttributes {
    const sameSite = this.config.session_cookie_same_site ?? "Lax";
    return {
      path: this.config.session_cookie_path ?? "/",
      domain: this.config.session_cookie_domain ?? undefined,
      sameSite: sameSite === "Default" ? undefined : sameSite,
      httpOnly: this.config.session_cookie_http_only !== false,
      secure: this.config.session_cookie_secure ?? ctx.scheme === "https",
    };
  }

  read(ctx: Pick<AccessContext, "headers">): SessionRead {
    const raw = readChunked(ctx.headers.cookie, this.name);
    // Present but unreadable as chunks (empty, too many): a bad cookie, cleared on a 401 like one.
    if (!raw) return this.present(ctx).length > 0 ? { kind: "invalid", reason: "the session cookie is malformed" } : { kind: "none" };
    const plaintext = open(this.key, this.name, raw.value);
    if (!plaintext) return { kind: "invalid", reason: "the session cookie could not be decrypted" };
    const record = decodeRecord(plaintext);
    if (!record) return { kind: "invalid", reason: "the session cookie holds no session" };
    const expired = expiredBy(record.clock, this.timeouts, this.now());
    if (expired) return { kind: "invalid", reason: `the session expired (${expired} timeout)` };
    return { kind: "found", record, chunks: raw.chunks };
  }

  /** Sets the cookie for a new session, replacing whatever session cookie the client sent. */
  create(ctx: AccessContext, record: Omit<SessionRecord, "clock">): void {
    this.write(ctx, { ...record, clock: refreshed(undefined, "new", this.now()) }, this.present(ctx).length);
  }

  /** Re-issues the cookie when the idle clock needs refreshing or the rolling period is nearly spent. */
  refresh(ctx: AccessContext, found: Extract<SessionRead, { kind: "found" }>): void {
    const now = this.now();
    const refresh = refreshNeeded(found.record.clock, this.timeouts, now);
    if (refresh === "none") return;
    this.write(ctx, { ...found.record, clock: refreshed(found.record.clock, refresh, now) }, found.chunks);
  }

  /** Deletes every chunk the client sent (`unauthorized_destroy_session` / `forbidden_destroy_session`). */
  clear(ctx: AccessContext): void {
    const attrs = this.attributes(ctx);
    const names = presentChunks(ctx.headers.cookie, this.name);
    if (names.length > 0) ctx.setResponseHeader("set-cookie", names.map((name) => clearingValue(name, attrs)));
  }

  /** The cookie names the client sent for this session (for `hide_credentials`). */
  present(ctx: Pick<AccessContext, "headers">): string[] {
    return presentChunks(ctx.headers.cookie, this.name);
  }

  private write(ctx: AccessContext, record: SessionRecord, previousChunks: number): void {
    const value = seal(this.key, this.name, encodeRecord(record));
    ctx.setResponseHeader("set-cookie", setCookieValues(this.name, value, this.attributes(ctx), previousChunks));
  }
}
