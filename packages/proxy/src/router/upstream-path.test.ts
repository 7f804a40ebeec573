// Kong's v0 upstream path (reference 2.4, OSS `get_upstream_uri_v0`): every row of the table and
// every example, with `strippedPrefix` = what the route matched when strip_path is on.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upstreamPath } from "./upstream-path.ts";

describe("upstreamPath: service path ending with '/'", () => {
  it("strip on, empty postfix, base '/': '/'", () => {
    assert.equal(upstreamPath(null, "/r", "/r"), "/");
    assert.equal(upstreamPath("/", "/r", "/r"), "/");
    assert.equal(upstreamPath("/", "/r/", "/r/"), "/");
  });

  it("strip on, empty postfix, request ending with '/': the base itself", () => {
    assert.equal(upstreamPath("/s/", "/r/", "/r/"), "/s/");
  });

  it("strip on, empty postfix, request not ending with '/': the base without its '/'", () => {
    assert.equal(upstreamPath("/s/", "/r", "/r"), "/s");
  });

  it("strip on, postfix starting with '/': no double slash", () => {
    assert.equal(upstreamPath("/s/", "/r/x", "/r"), "/s/x");
    assert.equal(upstreamPath(null, "/r/x/y", "/r"), "/x/y");
  });

  it("strip on, other postfix: base + postfix", () => {
    assert.equal(upstreamPath("/s/", "/rabc", "/r"), "/s/abc");
    assert.equal(upstreamPath("/s/", "/r/x", "/r/"), "/s/x");
  });

  it("strip off: base + request path without its leading '/'", () => {
    assert.equal(upstreamPath("/s/", "/r/x", undefined), "/s/r/x");
    assert.equal(upstreamPath("/s/", "/", undefined), "/s/");
    assert.equal(upstreamPath(null, "/r/x", undefined), "/r/x");
    assert.equal(upstreamPath(null, "/", undefined), "/");
  });
});

describe("upstreamPath: service path not ending with '/'", () => {
  it("strip on, empty postfix: base + '/' only when the request (longer than '/') ends with '/'", () => {
    assert.equal(upstreamPath("/s", "/r/", "/r/"), "/s/");
    assert.equal(upstreamPath("/s", "/r", "/r"), "/s");
    assert.equal(upstreamPath("/s", "/", "/"), "/s");
  });

  it("strip on, postfix starting with '/': base + postfix", () => {
    assert.equal(upstreamPath("/s", "/r/x", "/r"), "/s/x");
  });

  it("strip on, other postfix: base + '/' + postfix", () => {
    assert.equal(upstreamPath("/s", "/rabc", "/r"), "/s/abc");
    assert.equal(upstreamPath("/s", "/r/x", "/r/"), "/s/x");
  });

  it("strip off: base alone for '/', else base + request path", () => {
    assert.equal(upstreamPath("/s", "/", undefined), "/s");
    assert.equal(upstreamPath("/s", "/r/x", undefined), "/s/r/x");
    assert.equal(upstreamPath("/s", "/r/", undefined), "/s/r/");
  });
});

describe("upstreamPath: reference examples (service.path /s, route /r)", () => {
  it("strip on", () => {
    assert.equal(upstreamPath("/s", "/r/x", "/r"), "/s/x");
    assert.equal(upstreamPath("/s", "/r", "/r"), "/s");
    assert.equal(upstreamPath("/s", "/r/", "/r"), "/s/");
    assert.equal(upstreamPath("/s", "/rabc", "/r"), "/s/abc");
  });

  it("strip off", () => {
    assert.equal(upstreamPath("/s", "/r/x", undefined), "/s/r/x");
  });

  it("no service path, strip on", () => {
    assert.equal(upstreamPath(null, "/r/x", "/r"), "/x");
    assert.equal(upstreamPath(null, "/r", "/r"), "/");
  });

  it("a regex route strips its whole match", () => {
    assert.equal(upstreamPath("/s", "/users/42/orders", "/users/42"), "/s/orders");
    assert.equal(upstreamPath(null, "/users/42", "/users/42"), "/");
  });
});

describe("upstreamPath: postfix sanitizing (Kong's sanitize_uri_postfix)", () => {
  it("drops a leading './' or '../' of the postfix", () => {
    assert.equal(upstreamPath("/s", "/r./x", "/r"), "/s/x");
    assert.equal(upstreamPath("/s", "/r../x", "/r"), "/s/x");
    assert.equal(upstreamPath("/s/", "/r./x", "/r"), "/s/x");
  });

  it("a postfix that is just '.' or '..' is empty", () => {
    assert.equal(upstreamPath("/s", "/r.", "/r"), "/s");
    assert.equal(upstreamPath("/s", "/r..", "/r"), "/s");
    assert.equal(upstreamPath("/s/", "/r..", "/r"), "/s");
    assert.equal(upstreamPath(null, "/r.", "/r"), "/");
  });
});
