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
 * Which kind of TLS server a ticket belongs to: a session made where no client certificate was
 * requested, or without an SNI, never opens where one was, or with one.
 */
export type TicketScope = "sni+certificate" | "sni" | "no-sni+certificate" | "no-sni";

/** The TLS server whose tickets a key seals (ticket-servers.ts): each has its own key. */
export interface TicketOwner {
  scope: TicketScope;
  /**
   * The SNI the server answers, or OTHER_NAMES for the server shared by the names the
   * configuration does not know; "" for the servers without SNI.
   */
  serverName: string;
  /** A digest of the server certificate served under that name: another certificate, another key. */
  certificate: string;
}

/** The label of the servers for SNIs the configuration does not know: no SNI can be "*". */
export const OTHER_NAMES = "*";

/** Node's ticket key: 16 bytes name, 16 HMAC, 16 AES. */
const TICKET_KEY_BYTES = 48;

/** The key period a moment falls in: every worker computes the same one without talking. */
export function keyPeriod(nowMs: number, timeoutSeconds: number): number {
  return Math.floor(nowMs / (timeoutSeconds * 1000));
}

/**
 * The ticket key of one server for one period, derived from the installation secret
 * (HKDF-SHA-256). Names are at most 253 bytes of [a-z0-9._-] (client-hello.ts), so the info
 * stays far below HKDF's 1,024 bytes and the NUL separators cannot be forged.
 */
export function ticketKey(secret: Buffer, owner: TicketOwner, period: number): Buffer {
  const info = ["tether tls ticket key", owner.scope, owner.serverName, owner.certificate, String(period)].join("\0");
  return Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), info, TICKET_KEY_BYTES));
}

/** Options that switch resumption on or off for the server `owner` names. */
export function resumptionOptions(settings: SessionResumption, owner: TicketOwner, nowMs = Date.now()): tls.TlsOptions {
  // No tickets and no session cache listeners: nothing resumes (sni-front.test.ts checks it).
  if (!settings.tickets) return { secureOptions: constants.SSL_OP_NO_TICKET };
  return {
    sessionTimeout: settings.timeoutSeconds,
    ticketKeys: ticketKey(settings.secret, owner, keyPeriod(nowMs, settings.timeoutSeconds)),
  };
}

/**
 * Calls `rekey` at each key period's start. Node holds a single ticket key per server, so
 * tickets of the previous period then fall back to a full handshake (never a failure); a ticket
 * thus lives at most one period. Returns the stop function.
 */
export function onKeyPeriod(settings: SessionResumption, rekey: () => void): () => void {
  if (!settings.tickets) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    const periodMs = settings.timeoutSeconds * 1000;
    timer = setTimeout(() => {
      rekey();
      schedule();
    }, periodMs - (Date.now() % periodMs) + 1);
    timer.unref();
  };
  schedule();
  return () => clearTimeout(timer);
}
