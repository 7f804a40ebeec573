/**
 * What Kong's runloop (`kong/runloop/handler.lua`, access phase) answers when a route with gRPC
 * protocols takes a request that cannot be gRPC-proxied, before any plugin runs.
 */
import type { Route } from "@tether/core";

export type GrpcRouteRefusal =
  /** `kong.response.error(415, …)`: not a gRPC Content-Type. */
  | { kind: "error"; status: 415; message: "Non-gRPC request matched gRPC route" }
  /** `kong.response.error(426, …)` with `Connection: Upgrade`, `Upgrade: HTTP/2`: gRPC over HTTP/1. */
  | { kind: "error"; status: 426; message: "Please use HTTP2 protocol"; headers: Record<string, string> }
  /** `kong.response.exit(200, nil, {grpc-status 1})`: a grpcs-only route reached without TLS. */
  | { kind: "grpc"; status: 200; headers: Record<string, string> };

export function isGrpcRoute(route: Pick<Route, "protocols">): boolean {
  return route.protocols.includes("grpc") || route.protocols.includes("grpcs");
}

/** undefined: the request may go on as gRPC. */
export function grpcRouteRefusal(
  route: Pick<Route, "protocols">,
  request: { contentType: string | undefined; httpVersionMajor: number; https: boolean },
): GrpcRouteRefusal | undefined {
  if (!request.contentType?.startsWith("application/grpc")) return { kind: "error", status: 415, message: "Non-gRPC request matched gRPC route" };
  if (request.httpVersionMajor !== 2)
    return { kind: "error", status: 426, message: "Please use HTTP2 protocol", headers: { Connection: "Upgrade", Upgrade: "HTTP/2" } };
  if (!route.protocols.includes("grpc") && !request.https)
    return { kind: "grpc", status: 200, headers: { "content-type": "application/grpc", "grpc-status": "1", "grpc-message": "gRPC request matched gRPCs route" } };
  return undefined;
}
