import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connectionTokens, isWebSocketUpgrade } from "./hop-by-hop.ts";

/** The raw client connection of a WebSocket handshake, for the forwarder to tunnel. */
export interface Tunnel {
  socket: Duplex;
  /** Bytes the client sent after the handshake's head (Node's `upgrade` event hands them over). */
  head: Buffer;
}

const tunnels = new WeakMap<IncomingMessage, Tunnel>();

/** The tunnel a request came with, when it is a WebSocket handshake that `serveUpgrade` took in. */
export function tunnelOf(req: IncomingMessage): Tunnel | undefined {
  return tunnels.get(req);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * A response written straight onto a connection Node has handed over (the `upgrade` event), so
 * the gateway's own answers (404, 426, a plugin's 401) go out as ordinary HTTP responses through
 * the same code as for any request, and the connection closes after them.
 */
function responseOnSocket(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once("finish", () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}

/**
 * Rewrites the request head without `Upgrade` (and its `Connection` token), for a protocol switch
 * the gateway does not tunnel (`h2c`, `TLS/1.2`): nginx ignores those and answers in HTTP/1.1.
 */
export function headWithoutUpgrade(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (lower === "upgrade") continue;
    if (lower === "connection") {
      const kept = connectionTokens(req.rawHeaders[i + 1]).filter((t) => t !== "upgrade");
      if (kept.length) lines.push(`${name}: ${kept.join(", ")}`);
      continue;
    }
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * Node's `upgrade` event for one listener. A WebSocket handshake (GET + `Upgrade: websocket`) runs
 * through `handler` like any request (routing, plugins' access phase) and is tunnelled by the
 * forwarder if it gets that far. Any other upgrade is put back on the connection without its
 * `Upgrade` header and parsed again by `plain`, a listener-less HTTP server with the same
 * handler, so it is served as the ordinary HTTP/1.1 request it also is (Node 20 cannot decline an
 * upgrade per request).
 */
export function upgradeListener(handler: Handler, plain: http.Server) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    if (req.method === "GET" && isWebSocketUpgrade(req.headers)) {
      tunnels.set(req, { socket, head });
      void handler(req, responseOnSocket(req, socket));
      return;
    }
    socket.unshift(Buffer.concat([Buffer.from(headWithoutUpgrade(req), "latin1"), head]));
    plain.emit("connection", socket);
  };
}
