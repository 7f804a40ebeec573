import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";

/**
 * A request body a plugin asked to see. Reading is bounded: past `limit` bytes the reader stops,
 * keeps what it already took off the socket, and the forwarder sends those bytes followed by
 * the rest of the stream, so a large upload is never held in memory nor lost.
 */
export class RequestBody {
  private reading: Promise<Buffer | undefined> | undefined;
  private complete: Buffer | undefined;
  private prefix: Buffer[] | undefined;
  private replacement: Buffer | undefined;

  constructor(private readonly req: IncomingMessage) {}

  read(limit: number): Promise<Buffer | undefined> {
    this.reading ??= this.consume(limit);
    return this.reading;
  }

  replace(body: Buffer): void {
    if (this.complete === undefined) throw new Error("setUpstreamBody needs a body read in full by readBody first");
    this.replacement = body;
  }

  /** What to send upstream in place of the socket stream, or undefined to pipe the socket. */
  upstreamStream(): Readable | undefined {
    if (this.replacement) return Readable.from([this.replacement]);
    if (this.complete) return Readable.from([this.complete]);
    if (this.prefix) {
      const { prefix, req } = this;
      return Readable.from(
        (async function* () {
          yield* prefix;
          for await (const chunk of req) yield chunk as Buffer;
        })(),
      );
    }
    return undefined;
  }

  private consume(limit: number): Promise<Buffer | undefined> {
    const declared = Number(this.req.headers["content-length"]);
    // Declared too large: leave the stream untouched, the forwarder pipes it as usual.
    if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = (): void => {
        this.req.off("data", onData);
        this.req.off("end", onEnd);
        this.req.off("error", onError);
        this.req.off("close", onClose);
      };
      const onData = (chunk: Buffer): void => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > limit) {
          cleanup();
          this.req.pause();
          this.prefix = chunks;
          resolve(undefined);
        }
      };
      const onEnd = (): void => {
        cleanup();
        this.complete = Buffer.concat(chunks, size);
        resolve(this.complete);
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error("the client closed the connection before sending its whole body"));
      };
      this.req.on("data", onData);
      this.req.on("end", onEnd);
      this.req.on("error", onError);
      this.req.on("close", onClose);
    });
  }
}
