/**
 * How the gateway's own answers read to a gRPC client: Kong's PDK (`kong/pdk/response.lua`,
 * `send()` / `error()`) keeps the HTTP status and adds `grpc-status` (mapped below) and
 * `grpc-message`, with no body, when the request is gRPC (Content-Type `application/grpc…` over
 * HTTP/2). The map and the message names are Kong's.
 */
import type { IncomingHttpHeaders } from "node:http";

const HTTP_TO_GRPC: Readonly<Record<number, number>> = {
  200: 0,
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  429: 8,
  499: 1,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};

const GRPC_MESSAGES = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
] as const;

/** Kong's mapping: the table, else by class (5xx Internal, 4xx InvalidArgument, 2xx OK), else Unknown. */
export function grpcStatusOf(httpStatus: number): number {
  const mapped = HTTP_TO_GRPC[httpStatus];
  if (mapped !== undefined) return mapped;
  if (httpStatus >= 500 && httpStatus <= 599) return 13;
  if (httpStatus >= 400 && httpStatus <= 499) return 3;
  if (httpStatus >= 200 && httpStatus <= 299) return 0;
  return 2;
}

export const GRPC_CONTENT_TYPE = "application/grpc";

/** Kong's `is_grpc_request()`: a gRPC Content-Type, over HTTP/2. */
export function isGrpcRequest(headers: IncomingHttpHeaders, httpVersionMajor: number): boolean {
  return httpVersionMajor === 2 && (headers["content-type"]?.startsWith(GRPC_CONTENT_TYPE) ?? false);
}

/**
 * The headers of a gateway answer to a gRPC request (a trailers-only response, no body).
 * `message`: the text of `kong.response.exit(status, { message })` (a plugin's refusal); without
 * one (`kong.response.error`: router and upstream errors) the status's name, as Kong sends.
 */
export function grpcAnswerHeaders(httpStatus: number, message?: string): Record<string, string> {
  const status = grpcStatusOf(httpStatus);
  return {
    "content-type": GRPC_CONTENT_TYPE,
    "grpc-status": String(status),
    "grpc-message": percentEncoded(message ?? GRPC_MESSAGES[status] ?? "Unknown"),
  };
}

/** gRPC's grpc-message encoding: printable ASCII other than `%` as is, the rest %-escaped UTF-8. */
function percentEncoded(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}
