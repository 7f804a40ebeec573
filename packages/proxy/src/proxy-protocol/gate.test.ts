import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import * as net from "node:net";
import { clientAddressOf } from "./client-address.ts";
import { createProxyProtocolGate } from "./gate.ts";

/** Writes `pieces` with a pause between each; resolves with what came back once the server closed. */
function exchange(port: number, pieces: string[], gapMs = 30): Promise<{ text: string; closedAfterMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ text: Buffer.concat(chunks).toString("latin1"), closedAfterMs: Date.now() - started }));
    socket.on("connect", () => {
      pieces.forEach((piece, i) => setTimeout(() => socket.writable && socket.write(piece), i * gapMs));
    });
  });
}

describe("the PROXY protocol gate", () => {
  let gate: net.Server;
  let port: number;

  before(async () => {
    // The handler answers with the client address the rest of the proxy would read.
    const inner = http.createServer((req, res) => res.end(`client=${clientAddressOf(req.socket)}`));
    gate = createProxyProtocolGate({ inner, trusted: (address) => address === "127.0.0.1", useSourceAsClient: true, headerTimeoutMs: 300 });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    port = (gate.address() as net.AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => gate.close(() => resolve())));

  it("hands the bytes after a header split across reads on to the server, with the named client", async () => {
    const { text } = await exchange(port, ["PROXY TCP4 192.0.2.5 127", ".0.0.1 1 2\r", "\nGET / HTTP/1.1\r\nHost: a\r\n", "Connection: close\r\n\r\n"]);
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /client=192\.0\.2\.5$/);
  });

  it("keeps the peer as the client for UNKNOWN (a balancer's own health check)", async () => {
    const { text } = await exchange(port, ["PROXY UNKNOWN\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"]);
    assert.match(text, /client=127\.0\.0\.1$/);
  });

  it("closes a connection whose header does not complete in time (slow-loris)", async () => {
    const dribble = "PROXY TCP4 192.0.2.5 127.0.0.1 1 2".split("");
    const { text, closedAfterMs } = await exchange(port, dribble, 50);
    assert.equal(text, "");
    assert.ok(closedAfterMs >= 250 && closedAfterMs < 1_500, `closed after ${closedAfterMs} ms`);
  });
});
