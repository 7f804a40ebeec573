// An HTTP/2 client over TLS (node:http2): one connection, many streams, for tests that need the
// h2 wire itself (ALPN h2, concurrent streams sharing a connection's client certificate).
import http2 from "node:http2";
import type { Pem } from "../fixtures/pki/index.ts";

export interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  text: string;
  body: any;
}

export interface H2Connection {
  /** The protocol ALPN settled on ("h2" when HTTP/2 was agreed). */
  alpn: string | false | undefined;
  request(path: string, opts?: { method?: string; headers?: http2.OutgoingHttpHeaders; body?: string | Buffer }): Promise<H2Response>;
  close(): Promise<void>;
}

export function h2Connect(opts: { port: number; cert?: Pem; servername?: string }): Promise<H2Connection> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${opts.port}`, {
      servername: opts.servername ?? "localhost",
      rejectUnauthorized: false,
      ...(opts.cert ? { cert: opts.cert.cert, key: opts.cert.key } : {}),
    });
    session.once("error", reject);
    session.once("connect", () => {
      session.off("error", reject);
      session.on("error", () => undefined);
      resolve({
        alpn: session.alpnProtocol,
        request(path, { method = "GET", headers = {}, body } = {}) {
          return new Promise((done, fail) => {
            const stream = session.request({ ":method": method, ":path": path, ...headers }, { endStream: body === undefined });
            const chunks: Buffer[] = [];
            let head: http2.IncomingHttpHeaders = {};
            let trailers: http2.IncomingHttpHeaders = {};
            stream.on("response", (h) => (head = h));
            stream.on("trailers", (t) => (trailers = t));
            stream.on("data", (c: Buffer) => chunks.push(c));
            stream.on("error", fail);
            stream.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let parsed: unknown = text;
              try {
                parsed = text ? JSON.parse(text) : undefined;
              } catch {
                // not JSON
              }
              done({ status: Number(head[":status"]), headers: head, trailers, text, body: parsed });
            });
            if (body !== undefined) stream.end(body);
          });
        },
        close: () => new Promise((done) => session.close(() => done())),
      });
    });
  });
}
