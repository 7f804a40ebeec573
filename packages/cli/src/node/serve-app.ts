import http, { type RequestListener, type Server } from "node:http";
import https from "node:https";
import type { Logger } from "@tether/core";
import type { ListenAddress } from "../config/listen.ts";

/**
 * Serves a koa app (the Admin API, the Status API) on each address of a `*_listen` property and
 * logs `<what> listening` with the bound host and port (tests read the ports back from it). With
 * `tls`, addresses marked `ssl` serve HTTPS with that certificate; without it the flag is ignored.
 */
export async function serveApp(
  app: { callback(): RequestListener },
  specs: readonly ListenAddress[],
  log: Logger,
  what: string,
  tls?: () => { cert: string; key: string },
): Promise<Server[]> {
  const servers: Server[] = [];
  for (const spec of specs) {
    const ssl = spec.ssl && tls !== undefined;
    const server = ssl ? https.createServer(tls(), app.callback()) : http.createServer(app.callback());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(spec.port, spec.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : spec.port;
    servers.push(server);
    log.info(`${what} listening`, { listener: `${spec.host}:${port}${ssl ? " ssl" : ""}`, host: spec.host, port, ...(ssl ? { ssl } : {}) });
  }
  return servers;
}
