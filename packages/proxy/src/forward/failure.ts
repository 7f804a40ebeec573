/**
 * Why forwarding failed, in the terms the proxy answers with (reference 2.6): a name that does not
 * resolve is Kong's 503 `name resolution failed`; any timeout is 504; everything else is 502.
 */
export type FailureReason = "name-resolution" | "connect-timeout" | "write-timeout" | "read-timeout" | "connect" | "transport";

/** An error the forwarders raise themselves, carrying its reason and how many tries it took. */
export class UpstreamError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

export interface ForwardFailure {
  status: 502 | 503 | 504;
  reason: FailureReason;
  /** The underlying error's message, for the log (never the response body). */
  cause: string;
  /** Connection attempts and request sends made in all. */
  tries: number;
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const READ_TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

interface ErrorLike {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** Reads the reason out of whatever error Node, http-proxy or undici produced. */
export function reasonOf(error: unknown): FailureReason {
  if (error instanceof UpstreamError) return error.reason;
  const e = (error ?? {}) as ErrorLike;
  const code = typeof e.code === "string" ? e.code : "";
  if (DNS_CODES.has(code) || e.syscall === "getaddrinfo") return "name-resolution";
  if (code === "UND_ERR_CONNECT_TIMEOUT") return "connect-timeout";
  if (READ_TIMEOUT_CODES.has(code)) return "read-timeout";
  if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH") return "connect";
  return "transport";
}

export function statusOf(reason: FailureReason): ForwardFailure["status"] {
  if (reason === "name-resolution") return 503;
  if (reason.endsWith("-timeout")) return 504;
  return 502;
}

export function failureOf(error: unknown, tries: number): ForwardFailure {
  const reason = reasonOf(error);
  const attempts = error instanceof UpstreamError ? error.attempts : 1;
  return { status: statusOf(reason), reason, cause: String((error as ErrorLike | undefined)?.message ?? error), tries: Math.max(tries, attempts) };
}
