import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type * as net from "node:net";
import type { TLSSocket } from "node:tls";
import { rawSocketOf } from "../tls/raw-socket.ts";

/**
 * The socket of each h2 connection (the TLS socket, or the TCP one for h2c), by its raw socket.
 * Node's compat request hands out a Proxy of the connection's socket (a new one per stream) that
 * refuses reads and writes; the proxy's per-connection readers (client certificate, SNI, PROXY
 * header client, byte counts) want the socket itself.
 */
const connectionSockets = new WeakMap<net.Socket, net.Socket>();

/** For an h2 server's 'secureConnection' / 'connection': remember the socket its streams arrive on. */
export function rememberConnectionSocket(socket: net.Socket | TLSSocket): void {
  connectionSockets.set(rawSocketOf(socket), socket);
}

const PSEUDO = [":method", ":path", ":authority", ":scheme", ":protocol"];

/**
 * Gives an h2 request the HTTP/1.1 shape every reader downstream expects (router, plugins, logs,
 * forwarders), once, on arrival: `Host` from `:authority` (RFC 9113 8.3.1: it takes the place of
 * Host and wins over one sent beside it), no pseudo-headers among the headers, and `socket` the
 * connection's own socket. Node's compat getters read url and method from the pseudo-headers,
 * so those two are pinned first.
 */
export function asHttp1Request(req: Http2ServerRequest): IncomingMessage {
  const headers = req.headers;
  Object.defineProperty(req, "url", { value: headers[":path"] ?? "/", writable: true });
  Object.defineProperty(req, "method", { value: headers[":method"] ?? "GET", writable: true });
  const authority = headers[":authority"];
  if (authority !== undefined) headers.host = authority;
  for (const name of PSEUDO) delete headers[name];
  // A body without Content-Length is, in HTTP/1.1's terms, a chunked one: say so, so the
  // forwarders and body readers see that a body follows. (RFC 9113 8.2.2 forbids the header on
  // h2 and Node refuses it from a client, so it is only ever this one.)
  const chunked = !req.stream.endAfterHeaders && headers["content-length"] === undefined;
  if (chunked) headers["transfer-encoding"] = "chunked";
  const raw = req.rawHeaders;
  const rawHeaders: string[] = [];
  if (authority !== undefined) rawHeaders.push("host", authority);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (!name.startsWith(":") && !(authority !== undefined && name.toLowerCase() === "host")) rawHeaders.push(name, raw[i + 1]!);
  }
  if (chunked) rawHeaders.push("transfer-encoding", "chunked");
  Object.defineProperty(req, "rawHeaders", { value: rawHeaders });
  const socket = connectionSockets.get(rawSocketOf(req.socket as unknown as net.Socket));
  if (socket) Object.defineProperty(req, "socket", { value: socket });
  // The compat request is not an IncomingMessage, but now reads as one for everything the proxy uses.
  return req as unknown as IncomingMessage;
}

/** The h2 response as the proxy's handler takes it (its writeHead/setHeader/end are the same calls). */
export function asHttp1Response(res: Http2ServerResponse): ServerResponse {
  return res as unknown as ServerResponse;
}

/**
 * True when an h2 request's header block is larger than what HTTP/1.1 requests may send here
 * (Node's `maxHeaderSize`, 16 KiB by default, counted as on the wire: `name: value\r\n`), so a
 * header too large over HTTP/1.1 is not accepted over h2 either (nginx answers both alike).
 */
export function headersTooLarge(req: Http2ServerRequest, limit = http.maxHeaderSize): boolean {
  const raw = req.rawHeaders;
  let bytes = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) bytes += raw[i]!.length + raw[i + 1]!.length + 4;
  return bytes > limit;
}

/** True for a request that arrived over HTTP/2. */
export function isHttp2(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 2;
}
