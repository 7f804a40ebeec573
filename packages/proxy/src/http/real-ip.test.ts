import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KONG_REAL_IP, parseAddressPort, realClientAddress, type RealIpSettings } from "./real-ip.ts";
import { trustedIpsMatcher } from "./trusted-ips.ts";

const trusted = trustedIpsMatcher(["10.0.0.0/8", "2001:db8:ffff::/48", "127.0.0.1"]);
const XFF: RealIpSettings = { header: "X-Forwarded-For", recursive: false };
const XFF_RECURSIVE: RealIpSettings = { header: "X-Forwarded-For", recursive: true };

interface Case {
  name: string;
  peer: string;
  proxied?: string;
  headers: string[];
  settings: RealIpSettings;
  address: string;
  /** The peer trust is decided on; the TCP peer unless said. */
  peerSeen?: string;
  trusted?: boolean;
}

// Each expectation is what nginx's realip module (ngx_http_get_forwarded_addr) gives for the same
// set_real_ip_from / real_ip_header / real_ip_recursive.
const CASES: Case[] = [
  { name: "default X-Real-IP from a trusted peer", peer: "10.0.0.2", headers: ["X-Real-IP", "203.0.113.7"], settings: KONG_REAL_IP, address: "203.0.113.7" },
  { name: "header name in any case, on either side", peer: "10.0.0.2", headers: ["x-real-ip", "203.0.113.7"], settings: { header: "x-REAL-ip", recursive: false }, address: "203.0.113.7" },
  { name: "untrusted peer: its header is never believed", peer: "198.51.100.1", headers: ["X-Real-IP", "203.0.113.7"], settings: KONG_REAL_IP, address: "198.51.100.1", trusted: false },
  { name: "untrusted peer, X-Forwarded-For recursive", peer: "198.51.100.1", headers: ["X-Forwarded-For", "203.0.113.7, 10.0.0.9"], settings: XFF_RECURSIVE, address: "198.51.100.1", trusted: false },
  { name: "trusted peer without the header", peer: "10.0.0.2", headers: ["X-Forwarded-For", "203.0.113.7"], settings: KONG_REAL_IP, address: "10.0.0.2" },
  { name: "another header is not read", peer: "10.0.0.2", headers: ["X-Real-IP", "203.0.113.7"], settings: { header: "CF-Connecting-IP", recursive: false }, address: "10.0.0.2" },
  { name: "a custom header", peer: "10.0.0.2", headers: ["CF-Connecting-IP", "203.0.113.8"], settings: { header: "cf-connecting-ip", recursive: false }, address: "203.0.113.8" },
  { name: "non-recursive: the last address, even a trusted one", peer: "10.0.0.2", headers: ["X-Forwarded-For", "203.0.113.7, 10.0.0.9"], settings: XFF, address: "10.0.0.9" },
  { name: "recursive: skips trusted addresses from the right", peer: "10.0.0.2", headers: ["X-Forwarded-For", "192.0.2.1, 203.0.113.7, 10.0.0.9, 10.1.1.1"], settings: XFF_RECURSIVE, address: "203.0.113.7" },
  { name: "recursive: the leftmost when all are trusted", peer: "10.0.0.2", headers: ["X-Forwarded-For", "10.0.0.7,10.0.0.8 , 10.0.0.9"], settings: XFF_RECURSIVE, address: "10.0.0.7" },
  { name: "recursive over several X-Forwarded-For lines, in order", peer: "10.0.0.2", headers: ["X-Forwarded-For", "192.0.2.1, 203.0.113.7", "x-forwarded-for", "10.0.0.9"], settings: XFF_RECURSIVE, address: "203.0.113.7" },
  { name: "non-recursive over several lines: the last line's last address", peer: "10.0.0.2", headers: ["X-Forwarded-For", "192.0.2.1", "X-Forwarded-For", "203.0.113.7"], settings: XFF, address: "203.0.113.7" },
  { name: "X-Real-IP: only its first line", peer: "10.0.0.2", headers: ["X-Real-IP", "203.0.113.7", "X-Real-IP", "192.0.2.66"], settings: KONG_REAL_IP, address: "203.0.113.7" },
  { name: "trailing separators are skipped", peer: "10.0.0.2", headers: ["X-Forwarded-For", "203.0.113.7, ,"], settings: XFF, address: "203.0.113.7" },
  { name: "a port is dropped", peer: "10.0.0.2", headers: ["X-Forwarded-For", "203.0.113.7:5555"], settings: XFF, address: "203.0.113.7" },
  { name: "IPv6 peer and address, printed as nginx does", peer: "2001:db8:ffff::5", headers: ["X-Forwarded-For", "2001:DB8:0:0:0:0:0:42"], settings: XFF, address: "2001:db8::42" },
  { name: "bracketed IPv6 with a port", peer: "10.0.0.2", headers: ["X-Real-IP", "[2001:db8::42]:443"], settings: KONG_REAL_IP, address: "2001:db8::42" },
  { name: "IPv6 recursive past a trusted IPv6 proxy", peer: "::ffff:10.0.0.2", headers: ["X-Forwarded-For", "2001:db8::42, 2001:db8:ffff::1"], settings: XFF_RECURSIVE, address: "2001:db8::42" },
  { name: "the IPv4-mapped peer of a dual-stack listener is trusted as IPv4", peer: "::ffff:127.0.0.1", headers: ["X-Real-IP", "203.0.113.7"], settings: KONG_REAL_IP, address: "203.0.113.7" },
  { name: "garbage: the peer stays", peer: "10.0.0.2", headers: ["X-Real-IP", "<script>"], settings: KONG_REAL_IP, address: "10.0.0.2" },
  { name: "a host name is no address", peer: "10.0.0.2", headers: ["X-Forwarded-For", "client.example"], settings: XFF, address: "10.0.0.2" },
  { name: "empty value", peer: "10.0.0.2", headers: ["X-Real-IP", ""], settings: KONG_REAL_IP, address: "10.0.0.2" },
  { name: "an IPv4 octet over 255", peer: "10.0.0.2", headers: ["X-Forwarded-For", "1.2.3.256"], settings: XFF, address: "10.0.0.2" },
  { name: "recursive: garbage ends the walk at the last trusted address", peer: "10.0.0.2", headers: ["X-Forwarded-For", "203.0.113.7, bogus, 10.0.0.9"], settings: XFF_RECURSIVE, address: "10.0.0.9" },
  { name: "non-recursive: garbage last, the peer stays", peer: "10.0.0.2", headers: ["X-Forwarded-For", "203.0.113.7, bogus"], settings: XFF, address: "10.0.0.2" },
  { name: "proxy_protocol: the PROXY client is the peer, headers unread", peer: "10.0.0.2", proxied: "10.0.0.3", headers: ["X-Real-IP", "203.0.113.7"], settings: { header: "proxy_protocol", recursive: true }, address: "10.0.0.3", peerSeen: "10.0.0.3" },
  { name: "proxy_protocol: trust is the PROXY client's", peer: "10.0.0.2", proxied: "203.0.113.9", headers: [], settings: { header: "proxy_protocol", recursive: false }, address: "203.0.113.9", peerSeen: "203.0.113.9", trusted: false },
];

describe("realip (Kong's real_ip_header / real_ip_recursive)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const client = realClientAddress({ peer: c.peer, proxied: c.proxied, rawHeaders: c.headers, trusted, settings: c.settings });
      assert.deepEqual(client, { address: c.address, peer: c.peerSeen ?? c.peer, trusted: c.trusted ?? true });
    });
  }

  it("trusts no one when trusted_ips is empty (Kong's default)", () => {
    const none = trustedIpsMatcher([]);
    const client = realClientAddress({ peer: "127.0.0.1", proxied: undefined, rawHeaders: ["X-Real-IP", "203.0.113.7"], trusted: none, settings: KONG_REAL_IP });
    assert.deepEqual(client, { address: "127.0.0.1", peer: "127.0.0.1", trusted: false });
  });

  it("parses what ngx_parse_addr_port parses, nothing else", () => {
    const ok: [string, string][] = [
      ["1.2.3.4", "1.2.3.4"],
      ["1.2.3.4:80", "1.2.3.4"],
      ["::1", "::1"],
      ["[::1]:65535", "::1"],
      ["::FFFF:7f00:1", "::ffff:127.0.0.1"],
      ["2001:0db8:0000::0001", "2001:db8::1"],
    ];
    for (const [text, address] of ok) assert.equal(parseAddressPort(text), address, text);
    for (const text of ["", "1.2.3", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:x", "[::1]", "[::1]:", "fe80::1%eth0", "localhost", "unknown", "1.2.3.4 "])
      assert.equal(parseAddressPort(text), undefined, text);
  });
});
