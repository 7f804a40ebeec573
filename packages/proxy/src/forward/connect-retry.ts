import type { Socket } from "node:net";
import { reasonOf, UpstreamError } from "./failure.ts";
import { retryConnect } from "./retry-policy.ts";

export type Connected<S> = (error: Error | null, socket?: S) => void;
/** One try at opening a connection; calls `done` once, with the ready socket or why it failed. */
export type ConnectAttempt<S> = (done: Connected<S>) => void;

/**
 * Kong's `service.retries` for connections: an attempt that failed before anything was written
 * (refused, reset, timed out, TLS handshake failed) is made again, up to `retries` more times. The
 * request waits meanwhile (its body backs up into the client, in constant memory), so even a POST
 * is safe to retry here. The final error carries the reason and how many attempts were made.
 */
export function connectWithRetries<S>(attempt: ConnectAttempt<S>, retries: number, done: (error: UpstreamError | null, socket?: S) => void): void {
  let made = 0;
  const next = (): void => {
    made++;
    attempt((error, socket) => {
      if (!error) return done(null, socket);
      const reason = reasonOf(error);
      if (retryConnect(reason, made, retries)) return next();
      done(new UpstreamError(reason, error.message, made));
    });
  };
  next();
}

/**
 * One Node connection attempt bounded by the service's `connect_timeout`: ready on `connect` (TCP)
 * or `secureConnect` (TLS, so the handshake counts as connecting, as in nginx).
 */
export function dialOnce<S extends Socket>(create: () => S, readyEvent: "connect" | "secureConnect", timeoutMs: number): ConnectAttempt<S> {
  return (done) => {
    const socket = create();
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off("error", onError);
      if (!error) return done(null, socket);
      socket.destroy();
      done(error);
    };
    const onReady = (): void => finish(null);
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(() => finish(new UpstreamError("connect-timeout", `connecting to the upstream took longer than ${timeoutMs} ms`)), timeoutMs);
    socket.once(readyEvent, onReady);
    socket.once("error", onError);
  };
}
