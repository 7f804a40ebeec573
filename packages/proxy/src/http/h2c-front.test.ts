import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { protocolOfOpening } from "./h2c-front.ts";

describe("h2c prior knowledge: telling the preface from HTTP/1.1", () => {
  it("decides HTTP/1.1 at the first differing byte", () => {
    assert.equal(protocolOfOpening(Buffer.from("G")), "http/1.1");
    assert.equal(protocolOfOpening(Buffer.from("POST / HTTP/1.1\r\n")), "http/1.1");
    assert.equal(protocolOfOpening(Buffer.from("PRI * HTTP/1.1")), "http/1.1");
  });
  it("waits while the bytes are a prefix of the preface, h2 once it is whole", () => {
    assert.equal(protocolOfOpening(Buffer.from("PRI * HTTP/2.0\r\n")), undefined);
    assert.equal(protocolOfOpening(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")), "h2");
    assert.equal(protocolOfOpening(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4])])), "h2");
  });
});
