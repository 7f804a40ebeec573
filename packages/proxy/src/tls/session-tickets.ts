import { constants, hkdfSync, randomBytes } from "node:crypto";
import type * as tls from "node:tls";

/**
 * TLS session resumption (docs/tls-resumption.md): Kong's `ssl_session_tickets` and
 * `ssl_session_timeout`. Sessions resume through tickets only (TLS 1.2 and 1.3): a ticket is
 * sealed with the key of the TLS server that issued it, so it resumes in every worker holding
 * that key and nowhere else.
 */
export interface TicketSettings {
  /** Kong's ssl_session_tickets (default on). Off: every connection is a full handshake. */
  tickets: boolean;
  /** Kong's ssl_session_timeout in seconds (default 1d): ticket lifetime and key period. */
  timeoutSeconds: number;
}

export interface SessionResumption extends TicketSettings {
  /** The installation secret, the same in every worker and node of the installation. */
  secret: Buffer;
}

/** Kong's defaults: `ssl_session_tickets = on`, `ssl_session_timeout = 1d`. */
export const KONG_TICKET_SETTINGS: TicketSettings = { tickets: true, timeoutSeconds: 86_400 };

/**
 * The settings with their key source. Without an installation secret (a proxy embedded in a
 * test) the keys are this process's own: resumption then works within the process only.
 */
export function sessionResumptionOf(settings: TicketSettings = KONG_TICKET_SETTINGS, secret: Buffer = randomBytes(32)): SessionResumption {
  return { ...settings, secret };
}

/**
 * Which TLS server a ticket belongs to. One label per server: a session made where no client
 * certificate was requested, or without an SNI, never opens where one was, or with one.
 */
export type TicketScope = "sni+certificate" | "sni" | "no-sni+certificate" | "no-sni";

/** Node's ticket key: 16 bytes name, 16 HMAC, 16 AES. */
const TICKET_KEY_BYTES = 48;

/** The key period a moment falls in: every worker computes the same one without talking. */
export function keyPeriod(nowMs: number, timeoutSeconds: number): number {
  return Math.floor(nowMs / (timeoutSeconds * 1000));
}

/** The ticket key of one server for one period, derived from the installation secret (HKDF-SHA-256). */
export function ticketKey(secret: Buffer, scope: TicketScope, period: number): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), `tether tls ticket key\0${scope}\0${period}`, TICKET_KEY_BYTES));
}

/** Options that switch resumption on or off for a server of `scope`. */
export function resumptionOptions(settings: SessionResumption, scope: TicketScope, nowMs = Date.now()): tls.TlsOptions {
  // No tickets and no session cache listeners: nothing resumes (sni-front.test.ts checks it).
  if (!settings.tickets) return { secureOptions: constants.SSL_OP_NO_TICKET };
  return {
    sessionTimeout: settings.timeoutSeconds,
    ticketKeys: ticketKey(settings.secret, scope, keyPeriod(nowMs, settings.timeoutSeconds)),
  };
}

/**
 * Sets each server's key for the new period when one starts. Node holds a single ticket key, so
 * tickets of the previous period then fall back to a full handshake (never a failure); a ticket
 * thus lives at most one period. Returns the stop function.
 */
export function rotateTicketKeys(servers: ReadonlyMap<tls.Server, TicketScope>, settings: SessionResumption): () => void {
  if (!settings.tickets) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    const periodMs = settings.timeoutSeconds * 1000;
    const now = Date.now();
    timer = setTimeout(() => {
      const period = keyPeriod(Date.now(), settings.timeoutSeconds);
      for (const [server, scope] of servers) server.setTicketKeys(ticketKey(settings.secret, scope, period));
      schedule();
    }, periodMs - (now % periodMs) + 1);
    timer.unref();
  };
  schedule();
  return () => clearTimeout(timer);
}
