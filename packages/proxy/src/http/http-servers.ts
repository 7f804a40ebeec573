import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type * as tls from "node:tls";
import { HEADER_TOO_LARGE } from "./client-error.ts";
import { asHttp1Request, asHttp1Response, headersTooLarge, rememberConnectionSocket } from "./h2-request.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Any server of a listener: HTTP/1.1, https, h2 over TLS (with h1), or h2c. */
export type HttpServer = http.Server | tls.Server | http2.Http2Server;

/** h2c servers: they run no HTTP/1.1 connection tracking. */
const cleartextH2 = new WeakSet<object>();

/**
 * The HTTP server behind one TLS server of a listener. With Kong's `http2` flag, ALPN offers `h2`
 * and `http/1.1` on the same port (Node's `allowHTTP1`): an h1 connection is served by Node's
 * HTTP/1.1 code on the same server object ('request', 'upgrade', 'clientError' alike), and every h2
 * stream reaches the same handler in HTTP/1.1 shape (h2-request.ts). Without the flag: https only.
 */
export function createTlsHttpServer(options: tls.TlsOptions, handler: Handler, http2Enabled: boolean): tls.Server {
  if (!http2Enabled) return https.createServer(options, handler);
  const server = http2.createSecureServer({ ...options, allowHTTP1: true }, (req, res) => {
    if (req.httpVersionMajor === 2) serveH2(req, res, handler);
    else handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
  server.prependListener("secureConnection", rememberConnectionSocket);
  return trackSessions(server);
}

/**
 * The h2c server of a plain listener with the `http2` flag: it gets the connections that open
 * with HTTP/2's preface (prior knowledge, h2c-front.ts); the others go to the HTTP/1.1 server.
 */
export function createCleartextHttp2Server(handler: Handler): http2.Http2Server {
  const server = http2.createServer((req, res) => serveH2(req, res, handler));
  server.prependListener("connection", rememberConnectionSocket);
  cleartextH2.add(server);
  return trackSessions(server);
}

/** An h2 stream to the handler, unless its headers are too large: then HTTP/1.1's answer (client-error.ts). */
function serveH2(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, handler: Handler): void {
  if (!headersTooLarge(req)) return handler(asHttp1Request(req), asHttp1Response(res));
  const body = `${HEADER_TOO_LARGE}\n`;
  res.writeHead(400, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const h2Sessions = new WeakMap<object, Set<http2.ServerHttp2Session>>();

function trackSessions<S extends http2.Http2Server | http2.Http2SecureServer>(server: S): S {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // A client that resets or misbehaves ends its own session, never the process.
    session.on("error", () => undefined);
  });
  h2Sessions.set(server, sessions);
  return server;
}

/**
 * Node's http.Server connection tracking, which an `allowHTTP1` h2 server also runs for its h1
 * connections (it starts on 'listening', like http.Server's) but does not expose: the methods are
 * http.Server's, applied to it.
 */
const h1 = http.Server.prototype;

/** Closes idle keep-alive connections and asks h2 clients to go (GOAWAY; open streams finish). */
export function closeIdleConnections(server: HttpServer): void {
  if (!cleartextH2.has(server)) h1.closeIdleConnections.call(server as unknown as http.Server);
  for (const session of h2Sessions.get(server) ?? []) session.close();
}

/** Ends every connection, busy or not (the end of a shutdown's grace period). */
export function closeAllConnections(server: HttpServer): void {
  if (!cleartextH2.has(server)) h1.closeAllConnections.call(server as unknown as http.Server);
  for (const session of h2Sessions.get(server) ?? []) session.destroy();
}
