import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fillNulls, validateRecord } from "../schema/validate.ts";
import type { Upstream } from "./types.ts";
import { applyUpstreamShorthands, checkUpstream, upstreamNameError, upstreamSchema } from "./upstream.ts";

function upstream(fields: Record<string, unknown>): Upstream {
  const input: Record<string, unknown> = { id: "2b5a9fd5-7e47-4c4f-8a0e-5d3f1f6c1a10", created_at: 1, updated_at: 1, name: "u.example", ...fields };
  applyUpstreamShorthands(input);
  assert.equal(validateRecord(upstreamSchema, input), undefined);
  return fillNulls(input, upstreamSchema) as unknown as Upstream;
}

describe("upstream names (Kong's validate_name)", () => {
  it("takes host names, refuses addresses and ports", () => {
    assert.equal(upstreamNameError("api.example"), undefined);
    assert.equal(upstreamNameError("backend_1"), undefined);
    assert.equal(upstreamNameError("10.0.0.1"), "Invalid name ('10.0.0.1'); no ip addresses allowed");
    assert.equal(upstreamNameError("::1"), "Invalid name ('::1'); no ip addresses allowed");
    assert.equal(upstreamNameError("[::1]:80"), "Invalid name ('[::1]:80'); no ip addresses allowed");
    assert.equal(upstreamNameError("api.example:8000"), "Invalid name ('api.example:8000'); no port allowed");
    assert.equal(upstreamNameError("a b"), "Invalid name ('a b'); must be a valid hostname");
  });
});

describe("upstream shorthands and entity checks", () => {
  it("hash_on picks the algorithm; least-connections and latency clear hash_on", () => {
    assert.equal(upstream({ hash_on: "ip" }).algorithm, "consistent-hashing");
    assert.equal(upstream({ algorithm: "consistent-hashing", hash_on: "none" }).algorithm, "round-robin");
    const lc = upstream({ algorithm: "least-connections", hash_on: "ip" });
    assert.deepEqual([lc.algorithm, lc.hash_on], ["least-connections", "none"]);
    assert.equal(upstream({ algorithm: "latency" }).hash_on, "none");
  });

  it("reports the first failing check in Kong's words", () => {
    assert.deepEqual(checkUpstream(upstream({ hash_on: "query_arg" })), {
      "@entity": ["failed conditional validation given value of field 'hash_on'"],
      hash_on_query_arg: "required field missing",
    });
    assert.deepEqual(checkUpstream(upstream({ hash_on: "ip", hash_fallback: "ip" })), {
      "@entity": ["failed conditional validation given value of field 'hash_on'"],
      hash_fallback: "expected one of: none, consumer, header, cookie, path, query_arg, uri_capture",
    });
    assert.deepEqual(checkUpstream(upstream({ hash_on: "cookie", hash_fallback: "header", hash_fallback_header: "x" })), {
      "@entity": ["failed conditional validation given value of field 'hash_on'"],
      hash_on_cookie: "required field missing",
    });
    assert.deepEqual(checkUpstream(upstream({ hash_on: "uri_capture", hash_on_uri_capture: "a", hash_fallback: "uri_capture", hash_fallback_uri_capture: "a" })), {
      "@entity": ["values of these fields must be distinct: 'hash_on_uri_capture', 'hash_fallback_uri_capture'"],
    });
    assert.equal(checkUpstream(upstream({ hash_on: "header", hash_on_header: "x-a", hash_fallback: "ip" })), undefined);
  });

  it("checks healthchecks ranges and keeps given values beside the defaults", () => {
    const input = { id: "2b5a9fd5-7e47-4c4f-8a0e-5d3f1f6c1a10", created_at: 1, updated_at: 1, name: "u", healthchecks: { threshold: 101 } };
    assert.deepEqual(validateRecord(upstreamSchema, input), { healthchecks: { threshold: "value should be between 0 and 100" } });
    const u = upstream({ healthchecks: { passive: { unhealthy: { http_failures: 3 } } } });
    assert.equal(u.healthchecks.passive.unhealthy.http_failures, 3);
    assert.deepEqual(u.healthchecks.passive.unhealthy.http_statuses, [429, 500, 503]);
    assert.equal(u.healthchecks.active.concurrency, 10);
  });
});
