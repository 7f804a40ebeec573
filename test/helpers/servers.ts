// Small loopback servers for tests: an ad-hoc HTTP upstream, and a port nothing listens on.
import http from "node:http";
import net from "node:net";

export interface AdHocServer {
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (ephemeral port) running `handler`; stop() drops every connection. */
export async function serveHttp(handler: http.RequestListener): Promise<AdHocServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
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
