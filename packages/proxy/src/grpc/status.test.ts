import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grpcAnswerHeaders, grpcStatusOf, isGrpcRequest } from "./status.ts";

describe("gRPC answers (Kong's PDK mapping)", () => {
  it("maps Kong's table, then by class, else Unknown", () => {
    const table: [number, number][] = [[200, 0], [400, 3], [401, 16], [403, 7], [404, 5], [409, 6], [429, 8], [499, 1], [500, 13], [501, 12], [503, 14], [504, 4]];
    for (const [http, grpc] of table) assert.equal(grpcStatusOf(http), grpc, String(http));
    assert.equal(grpcStatusOf(502), 13);
    assert.equal(grpcStatusOf(415), 3);
    assert.equal(grpcStatusOf(204), 0);
    assert.equal(grpcStatusOf(302), 2);
  });
  it("uses the plugin's message, else the status name, percent-encoding what gRPC requires", () => {
    assert.deepEqual(grpcAnswerHeaders(401, "Unauthorized"), { "content-type": "application/grpc", "grpc-status": "16", "grpc-message": "Unauthorized" });
    assert.equal(grpcAnswerHeaders(404)["grpc-message"], "NotFound");
    assert.equal(grpcAnswerHeaders(403, "100% é\n")["grpc-message"], "100%25 %C3%A9%0A");
  });
  it("a gRPC request is a gRPC content type over HTTP/2", () => {
    assert.equal(isGrpcRequest({ "content-type": "application/grpc+proto" }, 2), true);
    assert.equal(isGrpcRequest({ "content-type": "application/grpc" }, 1), false);
    assert.equal(isGrpcRequest({ "content-type": "application/json" }, 2), false);
    assert.equal(isGrpcRequest({}, 2), false);
  });
});
