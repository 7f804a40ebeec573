import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sniNameError } from "./sni-name.ts";

describe("sniNameError (Kong's wildcard_host validator)", () => {
  it("accepts host names, one leading or trailing wildcard, and the catch-all *", () => {
    for (const name of ["example.test", "a.b.example.test", "*.example.test", "example.*", "*", "under_score.test", "fqdn.test.", "localhost"])
      assert.equal(sniNameError(name), undefined, name);
  });

  it("refuses misplaced or repeated wildcards", () => {
    assert.equal(sniNameError("foo.*.bar"), "wildcard must be leftmost or rightmost character");
    assert.equal(sniNameError("*.wildcard.*"), "only one wildcard must be specified");
    assert.equal(sniNameError("**"), "only one wildcard must be specified");
  });

  it("refuses ports and IP addresses", () => {
    assert.equal(sniNameError("example.test:443"), "must not have a port");
    assert.equal(sniNameError("example.test:99999"), "must not have a port");
    assert.equal(sniNameError("*.example.test:8443"), "must not have a port");
    assert.equal(sniNameError("10.0.0.1"), "must not be an IP");
    assert.equal(sniNameError("10.0.0.1:80"), "must not be an IP");
    assert.equal(sniNameError("::1"), "must not be an IP");
    assert.equal(sniNameError("[::1]:443"), "must not be an IP");
  });

  it("quotes the name (wildcard spelled out) when it is not a host name", () => {
    assert.equal(sniNameError("bad name.test"), "invalid value: bad name.test");
    assert.equal(sniNameError("*.bad name"), "invalid value: wildcard.bad name");
    assert.equal(sniNameError("a..b"), "invalid value: a..b");
    assert.equal(sniNameError("label-.test"), "invalid value: label-.test");
    assert.equal(sniNameError("999.1.1.1"), "invalid value: 999.1.1.1");
    assert.equal(sniNameError("ünï.test"), "invalid value: ünï.test");
  });
});
