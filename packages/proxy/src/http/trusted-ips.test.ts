import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressBytes, parseTrustedIps, trustedIpsMatcher } from "./trusted-ips.ts";

describe("trusted_ips", () => {
  it("trusts no one by default", () => {
    const trusted = trustedIpsMatcher([]);
    assert.equal(trusted("127.0.0.1"), false);
    assert.equal(trusted("::1"), false);
    assert.equal(trusted(undefined), false);
  });

  it("matches single addresses and CIDR blocks, IPv4 and IPv6", () => {
    const trusted = trustedIpsMatcher(["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"]);
    assert.equal(trusted("10.255.1.2"), true);
    assert.equal(trusted("11.0.0.1"), false);
    assert.equal(trusted("192.168.1.7"), true);
    assert.equal(trusted("192.168.1.8"), false);
    assert.equal(trusted("2001:db8:ffff::1"), true);
    assert.equal(trusted("2001:db9::1"), false);
    assert.equal(trusted("::1"), true);
    assert.equal(trusted("::2"), false);
  });

  it("matches an IPv4 block against the IPv4-mapped address of a dual-stack listener", () => {
    const trusted = trustedIpsMatcher(["127.0.0.0/8"]);
    assert.equal(trusted("::ffff:127.0.0.1"), true);
    assert.equal(trusted("::ffff:128.0.0.1"), false);
    assert.equal(trusted("::1"), false, "IPv6 loopback is another address");
  });

  it("0.0.0.0/0,::/0 trusts everyone; 0.0.0.0/0 alone only IPv4", () => {
    const all = trustedIpsMatcher(["0.0.0.0/0", "::/0"]);
    for (const a of ["1.2.3.4", "::1", "fe80::1%eth0", "::ffff:8.8.8.8"]) assert.equal(all(a), true, a);
    const v4 = trustedIpsMatcher(["0.0.0.0/0"]);
    assert.equal(v4("8.8.8.8"), true);
    assert.equal(v4("2001:db8::1"), false);
  });

  it("prefix lengths that are not whole bytes", () => {
    const trusted = trustedIpsMatcher(["172.16.0.0/12", "fd00::/7"]);
    assert.equal(trusted("172.31.255.255"), true);
    assert.equal(trusted("172.32.0.0"), false);
    assert.equal(trusted("172.15.255.255"), false);
    assert.equal(trusted("fc00::1"), true);
    assert.equal(trusted("fe00::1"), false);
  });

  it("reads IPv6 spellings to the same bytes", () => {
    const a = addressBytes("::ffff:1.2.3.4")!;
    assert.deepEqual(a, addressBytes("1.2.3.4"));
    assert.deepEqual(addressBytes("0:0:0:0:0:ffff:102:304"), a);
    assert.deepEqual(addressBytes("2001:db8::"), addressBytes("2001:0db8:0:0:0:0:0:0"));
    assert.deepEqual(addressBytes("[::1]"), addressBytes("::1"));
    assert.equal(addressBytes("not-an-ip"), undefined);
  });

  it("refuses bad entries with a message naming them", () => {
    for (const bad of ["10.0.0.0/33", "::/129", "1.2.3", "10.0.0.0/8/1", "host.example", "10.0.0.0/x", "unix:"])
      assert.throws(() => parseTrustedIps([bad]), (e: Error) => e.message.includes(bad === "unix:" ? "unix" : bad.split("/")[0]!), bad);
    assert.deepEqual(parseTrustedIps([" ", ""]), []);
  });
});
