/**
 * A plain listener with Kong's `http2` flag takes HTTP/2 with prior knowledge (h2c, what gRPC
 * clients send without TLS) and HTTP/1.1 on the same port. The front reads just enough of each
 * connection to tell HTTP/2's fixed preface (RFC 9113 3.4) from an HTTP/1.1 request line, puts
 * the bytes back and hands the socket to the matching server (the SNI front's technique).
 */
import * as net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** "h2" once the bytes are the preface, "http/1.1" at the first byte that is not, else undefined. */
export function protocolOfOpening(bytes: Buffer): "h2" | "http/1.1" | undefined {
  const n = Math.min(bytes.length, PREFACE.length);
  if (bytes.compare(PREFACE, 0, n, 0, n) !== 0) return "http/1.1";
  return n === PREFACE.length ? "h2" : undefined;
}

export function createH2cFront(http1: net.Server, h2c: net.Server, openingTimeoutMs = 10_000): net.Server {
  const front = net.createServer((socket) => {
    socket.on("error", () => undefined); // a reset before the hand-off ends just that connection
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), openingTimeoutMs);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const protocol = protocolOfOpening(buffered);
      if (protocol === undefined) return;
      clearTimeout(timer);
      socket.removeListener("data", onData);
      socket.pause();
      socket.unshift(buffered);
      if (protocol === "h2") return void h2c.emit("connection", socket);
      http1.emit("connection", socket);
      // Node's HTTP/1.1 parser reads through the stream now; an explicit pause() is not undone by it.
      // (The h2 session takes the buffered bytes and the socket's handle itself.)
      socket.resume();
    };
    socket.on("data", onData);
    socket.once("close", () => clearTimeout(timer));
  });
  // Node's http.Server starts its connection tracking (timeouts, closeIdleConnections) on 'listening'.
  front.on("listening", () => {
    if (!http1.listening) http1.emit("listening");
  });
  return front;
}
