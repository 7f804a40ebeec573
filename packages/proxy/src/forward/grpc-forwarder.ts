import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import http2 from "node:http2";
import { upstreamUsesTls } from "@tether/core";
import type { ForwardPlan, Upstream } from "./plan.ts";
import { failureOf, UpstreamError } from "./failure.ts";
import { originOf, PoolRegistry } from "./pools.ts";

/**
 * gRPC services (`grpc`: h2c, `grpcs`: h2 over TLS): each request is one stream on a shared HTTP/2
 * connection per upstream, request and response bodies stream both ways as they come (client,
 * server and bidirectional streaming), and the upstream's trailers (grpc-status, grpc-message)
 * reach the client as trailers. Kong does this with nginx's `grpc_pass`.
 */

/** Request headers that are HTTP/1.1 connection framing, or set here for the upstream stream. */
const NOT_FORWARDED = new Set(["host", "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "http2-settings"]);

function upstreamHeaders(req: IncomingMessage, plan: ForwardPlan, secure: boolean): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ":method": req.method ?? "POST",
    ":path": plan.upstreamUrl,
    ":scheme": secure ? "https" : "http",
    // rewriteUpstreamHeaders has put the upstream's Host (service host, or the client's with preserve_host).
    ":authority": req.headers.host ?? plan.service.host,
    // gRPC requires it (trailers are how it ends a call); hop-by-hop rules removed the client's.
    te: "trailers",
  };
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !NOT_FORWARDED.has(name)) headers[name] = value;
  return headers;
}

/** The upstream's response headers as the client's: pseudo-headers out, connection framing out. */
function clientHeaders(headers: http2.IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !name.startsWith(":") && !NOT_FORWARDED.has(name)) out[name] = value;
  return out;
}

/**
 * The HTTP/2 connection to one upstream, opened again on demand when the upstream closed it
 * (GOAWAY, error) and closed for good when the upstream leaves the configuration.
 */
class GrpcConnection {
  private current: http2.ClientHttp2Session | undefined;
  private retired = false;

  constructor(private readonly upstream: Upstream) {}

  session(): http2.ClientHttp2Session {
    const known = this.current;
    if (known && !known.closed && !known.destroyed) return known;
    const { service, tls } = this.upstream;
    // Without TLS settings of its own a service's certificate is not verified (Kong's default).
    const session = http2.connect(originOf(service), upstreamUsesTls(service.protocol) ? { rejectUnauthorized: false, ...tls?.options } : {});
    session.on("error", () => undefined); // each stream reports it; the next call reconnects
    // Idle upstream connections must not keep a stopping process alive.
    session.unref();
    this.current = session;
    // Handed the request at once by the caller, then closed (its streams finish first).
    if (this.retired) queueMicrotask(() => session.close());
    return session;
  }

  /** No new calls: the connection closes once its streams are done. */
  retire(): void {
    this.retired = true;
    this.current?.close();
  }

  destroy(): void {
    this.current?.destroy();
  }
}

export class GrpcForwarder {
  private readonly connections = new PoolRegistry<GrpcConnection>(
    (upstream) => new GrpcConnection(upstream),
    (connection) => connection.retire(),
  );

  /** Told every upstream of each new configuration: connections none of them uses close. */
  retain(upstreams: readonly Upstream[]): void {
    this.connections.retain(upstreams);
  }

  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void {
    const { service } = plan;
    const session = this.connections.get(plan).session();
    const connectTimer = session.connecting
      ? setTimeout(() => fail(new UpstreamError("connect-timeout", `no connection within ${service.connect_timeout} ms`)), service.connect_timeout)
      : undefined;
    const stream = session.request(upstreamHeaders(req, plan, upstreamUsesTls(service.protocol)), { endStream: false });
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      clearTimeout(connectTimer);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      if (res.headersSent) return void res.destroy();
      plan.onFailure(failureOf(error, 1));
    };
    // read_timeout: between two reads of the upstream's answer, as nginx's grpc_read_timeout.
    stream.setTimeout(service.read_timeout, () => fail(new UpstreamError("read-timeout", `nothing from the upstream for ${service.read_timeout} ms`)));
    // A connection that fails cancels its pending streams with the cause (ERR_HTTP2_STREAM_CANCEL): a 502.
    stream.on("error", fail);
    req.pipe(stream);
    // The client gone: cancel the upstream call (what nginx does when the downstream stream resets).
    res.on("close", () => {
      if (!res.writableFinished) stream.close(http2.constants.NGHTTP2_CANCEL);
    });

    stream.on("response", (headers, flags) => {
      clearTimeout(connectTimer);
      const status = Number(headers[":status"]);
      const out = clientHeaders(headers);
      plan.onResponse?.(out, "2");
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
        // Trailers-only (a call that failed at once): one HEADERS frame that ends the stream.
        for (const [name, value] of Object.entries(out)) if (value !== undefined) res.setHeader(name, value);
        res.statusCode = status;
        return void res.end();
      }
      res.writeHead(status, out);
      stream.on("data", (chunk: Buffer) => {
        if (!res.write(chunk)) {
          stream.pause();
          res.once("drain", () => stream.resume());
        }
      });
      let trailers: http2.IncomingHttpHeaders | undefined;
      stream.on("trailers", (t) => (trailers = t));
      stream.on("end", () => {
        if (trailers) res.addTrailers(clientHeaders(trailers) as Record<string, string>);
        res.end();
      });
    });
    stream.on("close", () => {
      clearTimeout(connectTimer);
      // Reset by the upstream before it answered (or mid-answer): a 502, or an aborted client stream.
      if (!failed && stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR && !res.writableEnded)
        fail(new UpstreamError("transport", `the upstream reset the stream (code ${stream.rstCode})`));
    });
  }

  close(): void {
    for (const connection of this.connections.drain()) connection.destroy();
  }
}
