// Small loopback servers for tests: an ad-hoc HTTP upstream, and a port nothing listens on.
import http from "node:http";
import net from "node:net";

export interface AdHocServer {
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 running `handler` (on `port`, by default an ephemeral one: give the
 * port of a stopped server to bring it back); stop() drops every connection.
 */
export async function serveHttp(handler: http.RequestListener, port = 0): Promise<AdHocServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
