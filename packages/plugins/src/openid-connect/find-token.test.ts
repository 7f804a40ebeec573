import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AccessContext } from "@tether/core";
import { findBearerToken } from "./find-token.ts";
import { upstreamTokenHeader } from "./handler.ts";
import { failureResponse } from "./challenge.ts";
import type { OpenIdConnectConfig } from "./schema.ts";

function ctx(rawHeaders: string[], query = ""): AccessContext {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!;
  return {
    method: "GET", scheme: "https", path: "/", query: new URLSearchParams(query), headers, rawHeaders,
    serverName: undefined, clientCertificate: () => undefined, setUpstreamHeader() {}, removeUpstreamHeader() {}, authenticated: undefined,
  };
}
const all = ["header", "query", "body", "cookie"] as const;

describe("findBearerToken", () => {
  it("reads Authorization: Bearer, scheme case-insensitive", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "bEaReR abc.def.ghi"]), all, null), { kind: "found", token: "abc.def.ghi", location: "header", header: "authorization" });
  });
  it("ignores other schemes and falls back to the access-token headers", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "Basic Zm9v"]), all, null), { kind: "none" });
    assert.equal((findBearerToken(ctx(["X-Access-Token", "t1"]), all, null) as { token: string }).token, "t1");
  });
  it("refuses two Authorization headers, and two query tokens", () => {
    assert.deepEqual(findBearerToken(ctx(["Authorization", "Bearer a", "authorization", "Bearer b"]), all, null), { kind: "ambiguous" });
    assert.deepEqual(findBearerToken(ctx([], "access_token=a&access_token=b"), all, null), { kind: "ambiguous" });
  });
  it("reads the query and the named cookie only when configured", () => {
    assert.equal((findBearerToken(ctx([], "access_token=q"), all, null) as { token: string }).token, "q");
    assert.deepEqual(findBearerToken(ctx([], "access_token=q"), ["header"], null), { kind: "none" });
    assert.equal((findBearerToken(ctx(["Cookie", "a=1; at=c0; b=2"]), all, "at") as { token: string }).token, "c0");
    assert.deepEqual(findBearerToken(ctx(["Cookie", "at=c0"]), ["header", "query"], "at"), { kind: "none" });
  });
});

describe("upstreamTokenHeader", () => {
  it("follows Kong's <header>[:<scheme>] format", () => {
    assert.deepEqual(upstreamTokenHeader("authorization:bearer", "t"), ["authorization", "Bearer t"]);
    assert.deepEqual(upstreamTokenHeader("x-token", "t"), ["x-token", "t"]);
    assert.equal(upstreamTokenHeader(null, "t"), undefined);
  });
});

describe("failureResponse", () => {
  const config = { unauthorized_error_message: "Unauthorized", forbidden_error_message: "Forbidden", display_errors: false, expose_error_code: true } as OpenIdConnectConfig;
  it("builds Kong's challenge and body", () => {
    const res = failureResponse(config, "idp.test", { error: "invalid_token", description: "client certificate was not specified", reason: "x" });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: "Unauthorized" });
    assert.equal(res.headers!["WWW-Authenticate"], 'Bearer realm="idp.test", error="invalid_token", error_description="client certificate was not specified"');
  });
  it("shows the reason only with display_errors, and the error only with expose_error_code", () => {
    const res = failureResponse({ ...config, display_errors: true, expose_error_code: false }, "r", { error: "invalid_token", reason: "invalid bearer token" });
    assert.deepEqual(res.body, { message: "Unauthorized (invalid bearer token)" });
    assert.equal(res.headers!["WWW-Authenticate"], 'Bearer realm="r"');
  });
});
