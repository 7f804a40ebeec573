import type { ClientRequest } from "node:http";
import type { Readable } from "node:stream";
import type { Service } from "@tether/core";
import { UpstreamError } from "./failure.ts";
import { watchWriteStall } from "./write-stall.ts";

/**
 * The service's `read_timeout` and `write_timeout` on one upstream request of the http-proxy
 * engine (connect_timeout is the agent's). read: the upstream connection stays silent that long
 * (nginx's proxy_read_timeout, between two reads); write: the body waits that long for the
 * upstream to take more. Either destroys the request with an UpstreamError, which the forwarder
 * turns into a 504.
 */
export function armUpstreamTimeouts(proxyReq: ClientRequest, body: Readable | undefined, service: Pick<Service, "read_timeout" | "write_timeout">): void {
  proxyReq.setTimeout(service.read_timeout);
  proxyReq.once("timeout", () => proxyReq.destroy(new UpstreamError("read-timeout", `the upstream was silent for ${service.read_timeout} ms`)));
  if (!body) return; // nothing to write but the head
  // Counted from the moment a connection is there: before that, connect_timeout rules. (http-proxy
  // emits 'proxyReq' once the request has its socket, 'proxyReqWs' before.)
  const watch = (): void => {
    const stop = watchWriteStall(body, service.write_timeout, () =>
      proxyReq.destroy(new UpstreamError("write-timeout", `the upstream took none of the request body for ${service.write_timeout} ms`)),
    );
    proxyReq.once("close", stop);
  };
  if (proxyReq.socket) watch();
  else proxyReq.once("socket", watch);
}
