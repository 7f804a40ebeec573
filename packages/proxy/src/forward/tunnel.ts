import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/**
 * Closes an established WebSocket tunnel that stayed idle for the service's read_timeout, as
 * nginx applies proxy_read_timeout to upgraded connections (Kong's idle WebSockets close after
 * 60 s unless the service says otherwise). Any traffic, either way, counts as activity.
 */
export function closeWhenIdle(upstream: Socket, client: Duplex, ms: number): void {
  upstream.setTimeout(ms, () => {
    upstream.destroy();
    client.destroy();
  });
}

/** Joins the client's socket and the upstream's after a 101, both ways, each end closing the other. */
export function splice(client: Duplex, upstream: Socket, head: Buffer): void {
  if (head.length) upstream.write(head);
  upstream.pipe(client).pipe(upstream);
  upstream.on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
  client.on("close", () => upstream.destroy());
}
