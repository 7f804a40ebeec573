// Request path normalization before matching (reference 2.3, RFC 3986 6.2.2) and the request
// target split that feeds it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasInvalidPercentEncoding, normalizePath, splitRequestTarget } from "./normalize.ts";

describe("normalizePath", () => {
  it("decodes percent-encoded unreserved characters", () => {
    assert.equal(normalizePath("/fo%6F"), "/foo");
    assert.equal(normalizePath("/%41%7a%30%2D%2e%5F%7E"), "/Az0-._~");
  });

  it("upper-cases the hex digits of the other triplets and keeps them encoded", () => {
    assert.equal(normalizePath("/a%2fb"), "/a%2Fb");
    assert.equal(normalizePath("/%e2%82%ac"), "/%E2%82%AC");
    assert.equal(normalizePath("/a%20b%3f"), "/a%20b%3F");
  });

  it("removes dot segments", () => {
    assert.equal(normalizePath("/a/./b/../c"), "/a/c");
    assert.equal(normalizePath("/a/b/.."), "/a/");
    assert.equal(normalizePath("/a/."), "/a/");
    assert.equal(normalizePath("/../a"), "/a");
    assert.equal(normalizePath("/.."), "/");
  });

  it("removes dot segments that were percent-encoded (decoding comes first)", () => {
    assert.equal(normalizePath("/a/%2e%2E/b"), "/b");
    assert.equal(normalizePath("/a/%2E/b"), "/a/b");
  });

  it("merges duplicate slashes", () => {
    assert.equal(normalizePath("/a//b///c"), "/a/b/c");
    assert.equal(normalizePath("//a"), "/a");
  });

  it("leaves a normalized path alone (trailing slash, dots inside names)", () => {
    assert.equal(normalizePath("/"), "/");
    assert.equal(normalizePath("/a/b/"), "/a/b/");
    assert.equal(normalizePath("/v1.2/..x/a..b"), "/v1.2/..x/a..b");
  });
});

describe("splitRequestTarget", () => {
  it("splits origin-form into path and query (query kept as received, with its '?')", () => {
    assert.deepEqual(splitRequestTarget("/a/b?x=1&y=%2f"), { path: "/a/b", query: "?x=1&y=%2f" });
    assert.deepEqual(splitRequestTarget("/a?"), { path: "/a", query: "?" });
    assert.deepEqual(splitRequestTarget("/a?b?c"), { path: "/a", query: "?b?c" });
    assert.deepEqual(splitRequestTarget("/a"), { path: "/a", query: "" });
  });

  it("keeps only the path and query of an absolute-form target", () => {
    assert.deepEqual(splitRequestTarget("http://example.com/a/b?x=1"), { path: "/a/b", query: "?x=1" });
    assert.deepEqual(splitRequestTarget("https://u@example.com:8443/a"), { path: "/a", query: "" });
    assert.deepEqual(splitRequestTarget("http://example.com"), { path: "/", query: "" });
    assert.deepEqual(splitRequestTarget("http://example.com?x"), { path: "/", query: "?x" });
  });

  it("does not take a path that merely contains '://' for absolute-form", () => {
    assert.deepEqual(splitRequestTarget("/redirect?to=http://x/y"), { path: "/redirect", query: "?to=http://x/y" });
  });
});

describe("hasInvalidPercentEncoding", () => {
  it("flags a '%' not followed by two hex digits", () => {
    assert.equal(hasInvalidPercentEncoding("/%zz"), true);
    assert.equal(hasInvalidPercentEncoding("/a%"), true);
    assert.equal(hasInvalidPercentEncoding("/a%2"), true);
    assert.equal(hasInvalidPercentEncoding("/a%2g"), true);
  });

  it("accepts well-formed triplets in either case", () => {
    assert.equal(hasInvalidPercentEncoding("/a%2fb%2F%e2%82%AC"), false);
    assert.equal(hasInvalidPercentEncoding("/plain"), false);
  });
});
