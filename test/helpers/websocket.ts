// A WebSocket client by hand: the handshake over a raw (TLS) socket, one masked frame out, one
// frame back. Enough to prove a tunnel carries frames both ways, with no WebSocket library.
import { randomBytes } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import { acceptFor, decodeFrames, encodeFrame, OPCODE } from "../fixtures/upstream/websocket.ts";

export interface WebSocketResult {
  status: number;
  headers: Record<string, string>;
  /** The payload of the frame that came back, when the handshake succeeded. */
  echoed: string | undefined;
  /** The response body, when the handshake was refused with an HTTP answer. */
  body: string;
  /** The Sec-WebSocket-Accept matched the key. */
  acceptOk: boolean;
}

export function webSocketExchange(opts: { port: number; tls?: boolean; path: string; message: string; headers?: Record<string, string>; timeoutMs?: number }): Promise<WebSocketResult> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString("base64");
    const socket: net.Socket = opts.tls
      ? tls.connect({ host: "127.0.0.1", port: opts.port, servername: "localhost", rejectUnauthorized: false })
      : net.connect({ host: "127.0.0.1", port: opts.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no WebSocket answer within ${opts.timeoutMs ?? 5_000} ms`));
    }, opts.timeoutMs ?? 5_000);
    let buffer = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string> } | undefined;
    let settled = false;
    const finish = (result: WebSocketResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.on(opts.tls ? "secureConnect" : "connect", () => {
      const extra = Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join("");
      socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!head) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end === -1) return;
        const [statusLine, ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const i = line.indexOf(":");
          headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        head = { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0), headers };
        buffer = buffer.subarray(end + 4);
        if (head.status === 101) socket.write(encodeFrame(OPCODE.text, Buffer.from(opts.message), true));
      }
      if (head.status !== 101) return;
      const { frames } = decodeFrames(buffer);
      const data = frames.find((f) => f.opcode === OPCODE.text);
      if (!data) return;
      socket.write(encodeFrame(OPCODE.close, Buffer.alloc(0), true));
      finish({ ...head, echoed: data.payload.toString(), body: "", acceptOk: head.headers["sec-websocket-accept"] === acceptFor(key) });
    });
    const onEnd = (): void => {
      if (head && head.status !== 101) finish({ ...head, echoed: undefined, body: buffer.toString(), acceptOk: false });
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`connection closed ${head ? "after the 101, before the echo" : "before any answer"}`));
      }
    };
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.on("error", () => undefined);
  });
}
