/**
 * The SNI front: a plain TCP server in front of the TLS servers of a listener.
 *
 * A Node `tls.Server` fixes `requestCert` and its ticket key for all its connections, but Tether
 * must send a CertificateRequest only when a tls-handshake-modifier / mtls-auth plugin can apply
 * under the connection's SNI (so browsers on other hosts are never prompted), and tie a session
 * to its SNI (ticket-servers.ts). The front reads the ClientHello, takes its SNI, puts the bytes
 * back with `unshift()` and emits 'connection' on the TLS server chosen for (SNI, certificate
 * requested). The TLS server then reads the unshifted bytes first (tls_wrap's initRead drains
 * the raw socket's buffer into OpenSSL), so the client sees one ordinary handshake.
 */
import * as net from "node:net";
import { MAX_CLIENT_HELLO_WIRE_BYTES, parseClientHello } from "./client-hello.ts";
import { rawSocketOf } from "./raw-socket.ts";

export interface SniFrontOptions {
  /** true when a client certificate should be requested for this SNI (undefined = no SNI sent) */
  wantsClientCertificate(serverName: string | undefined): boolean;
  /**
   * The https.Server/tls.Server to emit the connection's 'connection' on: one created with
   * `requestCert: true` when `requestCertificate`. `serverName` is undefined when the client
   * sent none, a malformed one, or no TLS at all; only then must the server hold a certificate
   * of its own (Node's SNICallback is not called without a server name), the others can
   * install one per SNI from their SNICallback.
   */
  serverFor(serverName: string | undefined, requestCertificate: boolean): net.Server;
  /** default 10_000: destroy sockets that never finish a ClientHello (slowloris) */
  helloTimeoutMs?: number;
}

/**
 * SNI as the front saw it (lower-cased, no trailing dot; undefined when absent or malformed).
 * Keyed by the raw TCP socket (rawSocketOf resolves the TLSSocket that wraps it).
 */
const serverNames = new WeakMap<net.Socket, string | undefined>();

/**
 * The SNI the front decided on for this connection. Accepts the raw socket or the TLSSocket
 * wrapping it (`req.socket` in an https handler). Prefer this over `tlsSocket.servername`:
 * that one is populated too, but verbatim from the wire (`"Foo.Example."` stays so) and `false`
 * when absent, and only this value is the one the certificate decision was made with.
 */
export function serverNameOf(socket: net.Socket): string | undefined {
  return serverNames.get(rawSocketOf(socket));
}

/**
 * The ClientHello bytes as the front read them (and anything the client sent right after), kept
 * for the TLS server's SNICallback, which gets only the name: choosing between a certificate and
 * its `cert_alt` needs the client's signature algorithms. Freed with the socket.
 */
const clientHellos = new WeakMap<net.Socket, Buffer>();

/** The ClientHello bytes of this connection (raw socket or the TLSSocket wrapping it; see serverNameOf). */
export function clientHelloOf(socket: net.Socket): Buffer | undefined {
  return clientHellos.get(rawSocketOf(socket));
}

/**
 * Returns the front `net.Server`; call `listen()` on it, not on the TLS servers.
 *
 * - Plain bytes (first byte not a TLS handshake record, e.g. HTTP sent to the TLS port) go to
 *   the server for (no SNI, no certificate), so its TLS layer rejects them as it would on its
 *   own and its 'tlsClientError' listeners see them; the front never writes to a socket itself.
 * - A ClientHello the parser cannot read (malformed, oversized) is decided as "no SNI".
 * - If `wantsClientCertificate` throws, the certificate is requested: the handshake never
 *   rejects, so the only cost is a prompt, while the plugins still get the certificate.
 * - The first time a TLS server that does not listen itself gets a connection, the front emits
 *   'listening' on it: Node's http.Server only starts connection tracking (headersTimeout,
 *   requestTimeout, closeAllConnections/closeIdleConnections) on 'listening'. Without it a
 *   handed-off client could hold a half-sent request open for ever.
 * - Closing: `front.close()` stops accepting, then `closeAllConnections()` / `close()` each TLS
 *   server; the front's 'close' fires once every handed-off connection has closed.
 */
export function createSniFront(opts: SniFrontOptions): net.Server {
  const helloTimeoutMs = opts.helloTimeoutMs ?? 10_000;
  return net.createServer((socket) => {
    acceptConnection(socket, opts, helloTimeoutMs);
  });
}

/** TLS servers the front has emitted 'listening' on (until they close). */
const tracking = new WeakSet<net.Server>();

function startTracking(inner: net.Server): void {
  if (inner.listening || tracking.has(inner)) return;
  tracking.add(inner);
  // http.Server clears its checking interval in close(); allow a fresh start afterwards.
  inner.once("close", () => tracking.delete(inner));
  inner.emit("listening");
}

function acceptConnection(socket: net.Socket, opts: SniFrontOptions, helloTimeoutMs: number): void {
  // Stays for the socket's life: the raw socket can still emit 'error' (ECONNRESET and the
  // like) and an unhandled one would crash the process. After hand-off the TLS server handles
  // errors on its TLSSocket.
  socket.on("error", ignoreSocketError);

  let buffered: Buffer | undefined;
  const timer = setTimeout(() => socket.destroy(), helloTimeoutMs);
  timer.unref();

  const onClose = (): void => clearTimeout(timer);
  const onData = (chunk: Buffer): void => {
    buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
    const result = parseClientHello(buffered);
    if (result.kind === "incomplete") {
      // The parser bounds what it waits for; this guards against a parser bug, not the wire.
      if (buffered.length > MAX_CLIENT_HELLO_WIRE_BYTES) socket.destroy();
      return;
    }

    clearTimeout(timer);
    socket.removeListener("data", onData);
    socket.removeListener("close", onClose);
    // Pause before unshift: a flowing stream would hand the bytes straight back as 'data'.
    socket.pause();
    socket.unshift(buffered);
    if (result.kind === "hello") clientHellos.set(socket, buffered);
    buffered = undefined;

    const serverName = result.kind === "hello" ? result.serverName : undefined;
    serverNames.set(socket, serverName);
    const target = opts.serverFor(serverName, result.kind === "hello" && wantsCertificate(opts, serverName));
    startTracking(target);
    target.emit("connection", socket);
  };

  socket.on("data", onData);
  socket.once("close", onClose);
}

function wantsCertificate(opts: SniFrontOptions, serverName: string | undefined): boolean {
  try {
    return opts.wantsClientCertificate(serverName);
  } catch {
    return true;
  }
}

function ignoreSocketError(): void {
  // Deliberately empty: a reset or timeout before the hand-off just ends that connection.
}
