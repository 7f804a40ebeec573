/**
 * The PROXY protocol step of a `proxy_protocol` listener: a plain TCP server in front of the
 * listener's own server (HTTP, or the SNI front of an ssl listener, so the header is read before
 * the ClientHello). It reads the header, puts the bytes after it back with `unshift()` and emits
 * 'connection' on the server behind, which then sees an ordinary connection.
 *
 * Refused (socket destroyed, nothing written): a peer outside `trusted_ips`, bytes that are no
 * valid PROXY header, and a header not complete within `headerTimeoutMs` (slow-loris).
 */
import * as net from "node:net";
import type { TrustedIps } from "../http/trusted-ips.ts";
import { setProxiedClient } from "./client-address.ts";
import { parseProxyHeader } from "./parse.ts";

export interface ProxyProtocolGateOptions {
  /** The listener's server; never listens itself. */
  inner: net.Server;
  /** Kong's trusted_ips: the load balancers allowed to send a PROXY header. */
  trusted: TrustedIps;
  /** `real_ip_header = proxy_protocol`: the header's source becomes the client address. */
  useSourceAsClient: boolean;
  /** default 10_000 */
  headerTimeoutMs?: number;
}

export function createProxyProtocolGate(opts: ProxyProtocolGateOptions): net.Server {
  const headerTimeoutMs = opts.headerTimeoutMs ?? 10_000;
  const gate = net.createServer((socket) => readHeader(socket, opts, headerTimeoutMs));
  // Node's http.Server starts connection tracking (timeouts, closeAllConnections) on 'listening';
  // the server behind hears it from the gate (the SNI front passes it on to its TLS servers).
  gate.on("listening", () => {
    if (!opts.inner.listening) opts.inner.emit("listening");
  });
  return gate;
}

function readHeader(socket: net.Socket, opts: ProxyProtocolGateOptions, headerTimeoutMs: number): void {
  socket.on("error", ignoreSocketError);
  if (!opts.trusted(socket.remoteAddress)) {
    socket.destroy();
    return;
  }
  let buffered: Buffer | undefined;
  const timer = setTimeout(() => socket.destroy(), headerTimeoutMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));

  const onData = (chunk: Buffer): void => {
    buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
    const result = parseProxyHeader(buffered);
    if (result.kind === "incomplete") return;
    clearTimeout(timer);
    socket.removeListener("data", onData);
    if (result.kind === "invalid") {
      socket.destroy();
      return;
    }
    // Pause before unshift: a flowing stream would hand the bytes straight back as 'data'.
    socket.pause();
    const rest = buffered.subarray(result.length);
    if (rest.length > 0) socket.unshift(rest);
    buffered = undefined;
    if (opts.useSourceAsClient && result.source) setProxiedClient(socket, result.source.address);
    socket.removeListener("error", ignoreSocketError);
    opts.inner.emit("connection", socket);
    // The server behind has its readers attached now (an explicit pause() is not undone by them).
    socket.resume();
  };
  socket.on("data", onData);
}

function ignoreSocketError(): void {
  // Deliberately empty: a reset before the hand-off just ends that connection.
}
