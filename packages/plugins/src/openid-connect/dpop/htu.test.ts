import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressedUri, normalizeHttpUri, requestUri } from "./htu.ts";

describe("normalizeHttpUri (RFC 9449 4.3 with RFC 3986 6.2.2/6.2.3)", () => {
  it("drops query and fragment, lower-cases scheme and host, removes the default port", () => {
    assert.equal(normalizeHttpUri("HTTPS://API.Example.COM:443/a/b?x=1#f"), "https://api.example.com/a/b");
    assert.equal(normalizeHttpUri("http://h:80/"), "http://h/");
    assert.equal(normalizeHttpUri("https://h:8443/p"), "https://h:8443/p");
  });
  it("normalizes percent-encoding and dot segments, and keeps path case", () => {
    assert.equal(normalizeHttpUri("https://h/%7euser/%2fx/%c3%a9"), "https://h/~user/%2Fx/%C3%A9");
    assert.equal(normalizeHttpUri("https://h/a/./b/../C"), "https://h/a/C");
    assert.equal(normalizeHttpUri("https://h/a//b"), "https://h/a/b");
  });
  it("refuses what is not an absolute http(s) URI without user info", () => {
    for (const bad of ["/relative", "ftp://h/x", "https://user:pw@h/x", "not a uri", ""]) assert.equal(normalizeHttpUri(bad), undefined, bad);
  });
});

describe("requestUri", () => {
  it("builds the URI the client addressed, comparable with a normalized htu", () => {
    assert.equal(requestUri("https", "LOCALHOST:8443", "/p"), normalizeHttpUri("https://localhost:8443/p?q"));
    assert.equal(requestUri("https", "h:443", "/p"), "https://h/p");
    assert.equal(requestUri("http", undefined, "/p"), undefined);
  });
});

describe("addressedUri", () => {
  const behind = { scheme: "http" as const, path: "/api", headers: { host: "tether.internal:8000", "x-forwarded-proto": "https", "x-forwarded-host": "api.example.com", "x-forwarded-port": "443" } };
  it("from a trusted TLS terminator: the external URI its X-Forwarded-* headers name", () => {
    assert.equal(addressedUri(behind, true), "https://api.example.com/api");
    assert.equal(addressedUri({ ...behind, headers: { ...behind.headers, "x-forwarded-port": "8443" } }, true), "https://api.example.com:8443/api");
    assert.equal(addressedUri({ ...behind, headers: { host: "h", "x-forwarded-proto": "https, http" } }, true), "https://h/api");
  });
  it("from anyone else: the request as received, forwarding headers ignored", () => {
    assert.equal(addressedUri(behind, false), "http://tether.internal:8000/api");
  });
});
