import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { FailureReason } from "./failure.ts";

/** RFC 9110 9.2.2: sending these twice has the effect of sending them once. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/**
 * A connection attempt failed before anything was written to it: whatever the method, nothing was
 * sent, so trying again is safe (Kong: `service.retries` more tries). A name that does not resolve
 * is not retried: Kong answers 503 at once.
 */
export function retryConnect(reason: FailureReason, attemptsMade: number, retries: number): boolean {
  return reason !== "name-resolution" && attemptsMade <= retries;
}

export interface SentRequestFailure {
  method: string;
  /** The request carries a body: it streamed into the failed attempt and cannot be replayed. */
  hasBody: boolean;
  /** Some of the upstream's response already reached the client. */
  responseStarted: boolean;
  reason: FailureReason;
  /** Sends made so far, this one included. */
  sends: number;
  retries: number;
}

/**
 * A request failed after it had a connection (typically a pooled keep-alive connection the
 * upstream had just closed). Like nginx, only an idempotent request is sent again, and only one
 * without a body since bodies stream and are not kept; timeouts are not retried (a slow upstream
 * would be asked again and again), and never once the response has started.
 */
export function retrySend(f: SentRequestFailure): boolean {
  if (f.responseStarted || f.hasBody || !IDEMPOTENT.has(f.method)) return false;
  // Connection failures were already retried where they happened (the connector), and timeouts
  // are not retried: only a transport error on a connection that was up qualifies.
  if (f.reason !== "transport") return false;
  return f.sends <= f.retries;
}

/** Whether a request carries a body, from its framing headers. */
export function hasRequestBody(headers: { "content-length"?: string | undefined; "transfer-encoding"?: string | undefined }): boolean {
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = headers["content-length"];
  return length !== undefined && length !== "0";
}

/** The client's connection is gone (destroyed, or already detached from the request: null). */
export function clientGone(req: IncomingMessage): boolean {
  return (req.socket as Socket | null)?.destroyed ?? true;
}

export interface FailedTry extends Omit<SentRequestFailure, "retries"> {
  /** The service's `retries` (a balanced service counts its tries across targets itself). */
  retries: number;
  /** The service is balanced: another target can be asked (ForwardPlan.retarget). */
  balanced: boolean;
  /** The client went away: nothing is worth sending again. */
  clientGone: boolean;
  /**
   * The engine still holds the whole body after a failed connection (undici reads it only once
   * connected; http-proxy has piped it into the failed try already).
   */
  bodyKept: boolean;
}

/**
 * What follows a failed try: send it again to the same upstream, to another target (Kong's
 * balancer retries: a failed connection, or a resend retrySend allows), or nothing.
 */
export function nextTry(f: FailedTry): "resend" | "retarget" | undefined {
  const resend = !f.clientGone && retrySend({ ...f, retries: f.balanced ? Number.MAX_SAFE_INTEGER : f.retries });
  if (!f.balanced) return resend ? "resend" : undefined;
  const unconnected = !f.responseStarted && (f.reason === "connect" || f.reason === "connect-timeout") && (f.bodyKept || !f.hasBody);
  return resend || unconnected ? "retarget" : undefined;
}
