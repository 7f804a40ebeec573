import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTarget, normalizeTarget, splitTarget } from "./target.ts";

describe("targets as Kong's targets DAO stores them", () => {
  it("adds port 8000 when none is given and brackets IPv6 addresses", () => {
    assert.equal(formatTarget("10.0.0.1"), "10.0.0.1:8000");
    assert.equal(formatTarget("10.0.0.1:80"), "10.0.0.1:80");
    assert.equal(formatTarget("api.example"), "api.example:8000");
    assert.equal(formatTarget("::1"), "[::1]:8000");
    assert.equal(formatTarget("[::1]:9000"), "[::1]:9000");
  });

  it("refuses what is neither a host name nor an address", () => {
    for (const bad of ["a b", "host:99999", "host:x", "[nope]:80", "", "1.2.3.999"]) assert.equal(formatTarget(bad), undefined, bad);
    const input: Record<string, unknown> = { target: "a b" };
    assert.deepEqual(normalizeTarget(input), { target: "Invalid target ('a b'); not a valid hostname or ip address" });
  });

  it("splits a stored target into host and port", () => {
    assert.deepEqual(splitTarget("[::1]:9000"), { host: "::1", port: 9000 });
    assert.deepEqual(splitTarget("api.example:8000"), { host: "api.example", port: 8000 });
  });
});
