import type { Readable } from "node:stream";

/**
 * nginx's `proxy_send_timeout` (Kong's `write_timeout`): fires when the request body has waited
 * longer than `ms` for the upstream to take more of it. Whoever feeds the body upstream (a pipe
 * into the upstream request, or undici) pauses it when the upstream stops reading and resumes it
 * on drain; a client that is merely slow to send never pauses it, so only the upstream's stall
 * counts. Returns a function that stops watching.
 */
export function watchWriteStall(body: Readable, ms: number, onStall: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const disarm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const arm = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      stop();
      onStall();
    }, ms);
  };
  const stop = (): void => {
    disarm();
    body.off("pause", arm);
    body.off("resume", disarm);
    body.off("end", stop);
    body.off("close", stop);
  };
  if (body.readableEnded) return stop;
  body.on("pause", arm);
  body.on("resume", disarm);
  body.once("end", stop);
  body.once("close", stop);
  if (body.isPaused()) arm();
  return stop;
}
