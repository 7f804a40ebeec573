import type { Socket } from "node:net";

/**
 * Requests Node's parser refuses never reach the handler. Answer them as Kong (nginx) does,
 * 400 with a short text body, then close the way nginx's lingering close does: keep reading and
 * discarding what the client is still sending for a moment, or its TCP stack would turn our close
 * into a reset that destroys the unread answer.
 */
const answered = new WeakSet<Socket>();

/** nginx's 400 text for a request whose header is too large (HTTP/1.1 and h2 alike). */
export const HEADER_TOO_LARGE = "Request header or cookie too large";

export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (answered.has(socket)) return; // the parser reports again as more of the request arrives
  answered.add(socket);
  if (!socket.writable || socket.destroyed) return void socket.destroy();
  const message = error.code === "HPE_HEADER_OVERFLOW" ? HEADER_TOO_LARGE : "Bad request";
  const body = `${message}\n`;
  socket.removeAllListeners("data"); // detach the HTTP parser: what follows is discarded
  socket.on("data", () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), 2_000).unref();
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
