import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grpcRouteRefusal, isGrpcRoute } from "./route-gate.ts";

import type { Route } from "@tether/core";

const grpc: Pick<Route, "protocols"> = { protocols: ["grpc", "grpcs"] };
const grpcsOnly: Pick<Route, "protocols"> = { protocols: ["grpcs"] };
const ok = { contentType: "application/grpc", httpVersionMajor: 2, https: true };

describe("Kong's gRPC route checks", () => {
  it("recognises gRPC routes", () => {
    assert.equal(isGrpcRoute(grpc), true);
    assert.equal(isGrpcRoute({ protocols: ["http", "https"] }), false);
  });
  it("lets gRPC over h2 through", () => {
    assert.equal(grpcRouteRefusal(grpc, ok), undefined);
    assert.equal(grpcRouteRefusal(grpc, { ...ok, https: false }), undefined);
    assert.equal(grpcRouteRefusal(grpcsOnly, ok), undefined);
  });
  it("refuses a non-gRPC content type with 415 before the HTTP version", () => {
    assert.equal(grpcRouteRefusal(grpc, { ...ok, contentType: "application/json", httpVersionMajor: 1 })?.status, 415);
    assert.equal(grpcRouteRefusal(grpc, { ...ok, contentType: undefined })?.status, 415);
  });
  it("refuses gRPC over HTTP/1 with 426 and Upgrade: HTTP/2", () => {
    const refusal = grpcRouteRefusal(grpc, { ...ok, httpVersionMajor: 1 });
    assert.equal(refusal?.status, 426);
    assert.deepEqual(refusal && "headers" in refusal ? refusal.headers : undefined, { Connection: "Upgrade", Upgrade: "HTTP/2" });
  });
  it("answers grpc-status 1 for a grpcs-only route reached without TLS", () => {
    const refusal = grpcRouteRefusal(grpcsOnly, { ...ok, https: false });
    assert.equal(refusal?.kind, "grpc");
    assert.equal(refusal?.status, 200);
    assert.equal(refusal && "headers" in refusal ? refusal.headers["grpc-message"] : undefined, "gRPC request matched gRPCs route");
  });
});
