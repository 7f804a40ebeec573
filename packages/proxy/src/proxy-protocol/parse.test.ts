import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_V2_PAYLOAD_BYTES, parseProxyHeader } from "./parse.ts";

const SIGNATURE = Buffer.from("0d0a0d0a000d0a515549540a", "hex");

/** A v2 header: version/command byte, family/protocol byte, then the address block. */
function v2(versionCommand: number, family: number, block: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(block.length);
  return Buffer.concat([SIGNATURE, Buffer.from([versionCommand, family]), length, block]);
}

function ipv4Block(src: number[], dst: number[], sport: number, dport: number, tlvs = Buffer.alloc(0)): Buffer {
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sport, 0);
  ports.writeUInt16BE(dport, 2);
  return Buffer.concat([Buffer.from(src), Buffer.from(dst), ports, tlvs]);
}

const ascii = (s: string): Buffer => Buffer.from(s, "latin1");

describe("parseProxyHeader: v1 (text)", () => {
  it("reads TCP4 and reports where the client's bytes begin", () => {
    const header = "PROXY TCP4 203.0.113.7 10.0.0.1 51234 8000\r\n";
    const result = parseProxyHeader(ascii(`${header}GET / HTTP/1.1\r\n`));
    assert.deepEqual(result, { kind: "header", length: header.length, source: { address: "203.0.113.7", port: 51234 } });
  });

  it("reads TCP6 and reports the address as Node reports peers (compressed, lower case)", () => {
    const result = parseProxyHeader(ascii("PROXY TCP6 2001:DB8:0:0:0:0:0:7 ::1 443 8443\r\n"));
    assert.equal(result.kind, "header");
    assert.deepEqual(result.kind === "header" && result.source, { address: "2001:db8::7", port: 443 });
  });

  it("accepts UNKNOWN without naming a client (the peer stays the client)", () => {
    assert.deepEqual(parseProxyHeader(ascii("PROXY UNKNOWN\r\n")), { kind: "header", length: 15, source: undefined });
    assert.deepEqual(parseProxyHeader(ascii("PROXY UNKNOWN ffff:: ffff:: 1 2\r\nX")), { kind: "header", length: 33, source: undefined });
  });

  it("waits for more bytes while the line is a prefix of a header", () => {
    for (const partial of ["P", "PROX", "PROXY ", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"])
      assert.deepEqual(parseProxyHeader(ascii(partial)), { kind: "incomplete" }, partial);
    assert.deepEqual(parseProxyHeader(Buffer.alloc(0)), { kind: "incomplete" });
  });

  it("refuses a line without CRLF within 107 bytes (oversized)", () => {
    assert.equal(parseProxyHeader(ascii(`PROXY UNKNOWN ${"x".repeat(91)}\r\n`)).kind, "header");
    assert.equal(parseProxyHeader(ascii(`PROXY TCP4 ${"1".repeat(101)}`)).kind, "invalid");
    assert.equal(parseProxyHeader(ascii(`PROXY UNKNOWN ${"x".repeat(92)}\r\n`)).kind, "invalid");
  });

  it("refuses garbage, a wrong family, bad addresses and bad ports", () => {
    for (const bad of [
      "GET / HTTP/1.1\r\n",
      "\x16\x03\x01\x02\x00",
      "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
      "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
      "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
      "PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
      "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
      "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
    ])
      assert.equal(parseProxyHeader(ascii(bad)).kind, "invalid", JSON.stringify(bad));
  });
});

describe("parseProxyHeader: v2 (binary)", () => {
  it("reads PROXY over TCP4, skipping TLVs, and reports where the client's bytes begin", () => {
    const header = v2(0x21, 0x11, ipv4Block([198, 51, 100, 9], [10, 0, 0, 1], 40000, 8443, Buffer.from([0x04, 0x00, 0x01, 0x00])));
    const result = parseProxyHeader(Buffer.concat([header, Buffer.from([0x16, 0x03, 0x01])]));
    assert.deepEqual(result, { kind: "header", length: header.length, source: { address: "198.51.100.9", port: 40000 } });
  });

  it("reads PROXY over TCP6", () => {
    const src = Buffer.from("20010db8000000000000000000000042", "hex");
    const block = Buffer.concat([src, Buffer.alloc(16), Buffer.from([0x01, 0xbb, 0x20, 0xfb])]);
    const result = parseProxyHeader(v2(0x21, 0x21, block));
    assert.deepEqual(result.kind === "header" && result.source, { address: "2001:db8::42", port: 443 });
  });

  it("accepts LOCAL, UNSPEC and UNIX without naming a client", () => {
    assert.deepEqual(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0))), { kind: "header", length: 16, source: undefined });
    assert.deepEqual(parseProxyHeader(v2(0x20, 0x11, ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2))).kind === "header", true);
    assert.deepEqual(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0))), { kind: "header", length: 16, source: undefined });
    assert.deepEqual(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216))), { kind: "header", length: 232, source: undefined });
  });

  it("waits for the signature, the fixed part and the announced length", () => {
    const header = v2(0x21, 0x11, ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
    for (const n of [1, 11, 12, 15, 16, header.length - 1]) assert.deepEqual(parseProxyHeader(header.subarray(0, n)), { kind: "incomplete" }, String(n));
  });

  it("refuses a wrong version, an unknown command or family, a short address block and an oversized length", () => {
    const ok = ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    assert.equal(parseProxyHeader(v2(0x11, 0x11, ok)).kind, "invalid");
    assert.equal(parseProxyHeader(v2(0x22, 0x11, ok)).kind, "invalid");
    assert.equal(parseProxyHeader(v2(0x21, 0x41, ok)).kind, "invalid");
    assert.equal(parseProxyHeader(v2(0x21, 0x11, ok.subarray(0, 11))).kind, "invalid");
    assert.equal(parseProxyHeader(v2(0x21, 0x21, Buffer.alloc(35))).kind, "invalid");
    const huge = v2(0x21, 0x11, Buffer.alloc(0));
    huge.writeUInt16BE(MAX_V2_PAYLOAD_BYTES + 1, 14);
    assert.equal(parseProxyHeader(huge).kind, "invalid");
    assert.equal(parseProxyHeader(Buffer.concat([SIGNATURE.subarray(0, 11), Buffer.from([0x0b])])).kind, "invalid");
  });
});
