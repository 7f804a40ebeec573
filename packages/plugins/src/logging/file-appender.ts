import { open, stat, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import type { Logger } from "@tether/core";

/** Lines waiting for the disk, at most: beyond it new lines are dropped (and counted), never the request. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** The largest single write: a whole number of lines, so that concurrent appenders never split one. */
const MAX_WRITE_BYTES = 1024 * 1024;
/** A failing file is reported at most this often (with how many lines were lost meanwhile). */
const REPORT_INTERVAL_MS = 10_000;
/** How often an open file is checked for having been moved away (log rotation). */
const ROTATION_CHECK_MS = 5_000;

export interface FileAppenderOptions {
  /** Close the file after every write and open it again for the next (Kong's file-log `reopen`: log rotation). */
  reopen: boolean;
  log: Logger;
  /** Who writes, for the node's log lines (`file-log`, `proxy_access_log`). */
  name: string;
  maxBufferedBytes?: number;
  /** How often an open file is checked for having been moved away (default ROTATION_CHECK_MS). */
  rotationCheckMs?: number;
}

/**
 * Appends lines to a file without ever making the caller wait: `write` queues the line and
 * returns; one write at a time (so lines keep their order) takes everything queued, as whole
 * lines, in a single append (`O_APPEND`, so the processes of `--workers N` never interleave
 * inside a line). The file is created `0644` (before the umask, as Kong's file-log). When the
 * disk cannot keep up the buffer is bounded: new lines are dropped, counted and reported.
 */
export class FileAppender {
  private pending: string[] = [];
  private pendingBytes = 0;
  private handle: FileHandle | undefined;
  private running: Promise<void> | undefined;
  private dropped = 0;
  private lost = 0;
  private lastReport = -Infinity;
  private lastRotationCheck = 0;
  private readonly maxBufferedBytes: number;

  constructor(
    readonly path: string,
    private readonly options: FileAppenderOptions,
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  }

  /** Queues one line (it must end with "\n"). Never throws, never blocks. */
  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.pendingBytes + bytes > this.maxBufferedBytes) {
      this.dropped += 1;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.running ??= this.drain();
  }

  /** Resolves once every line queued so far is written (or given up on). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Flushes, then closes the file (a later write opens it again). */
  async close(): Promise<void> {
    await this.flush();
    await this.closeHandle();
  }

  private async drain(): Promise<void> {
    // Let the lines of this tick gather into one write.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.pending.length > 0) {
        const chunk = this.take();
        await this.append(chunk.text, chunk.lines);
      }
      this.reportDropped();
    } finally {
      this.running = undefined;
      // A line queued while the last write finished must not wait for the next caller.
      if (this.pending.length > 0) this.running = this.drain();
    }
  }

  /** Whole lines from the front of the queue, up to MAX_WRITE_BYTES (at least one). */
  private take(): { text: string; lines: number } {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length) {
      const size = Buffer.byteLength(this.pending[count]!);
      if (count > 0 && bytes + size > MAX_WRITE_BYTES) break;
      bytes += size;
      count += 1;
    }
    const lines = this.pending.splice(0, count);
    this.pendingBytes -= bytes;
    return { text: lines.join(""), lines: count };
  }

  private async append(text: string, lines: number): Promise<void> {
    try {
      await this.reopenIfMoved();
      this.handle ??= await open(this.path, "a", 0o644);
      const data = Buffer.from(text);
      let offset = 0;
      while (offset < data.length) offset += (await this.handle.write(data, offset)).bytesWritten;
      if (this.options.reopen) await this.closeHandle();
    } catch (error) {
      this.lost += lines;
      await this.closeHandle();
      const now = Date.now();
      if (now - this.lastReport >= REPORT_INTERVAL_MS) {
        this.lastReport = now;
        this.options.log.error(`[${this.options.name}] failed to write the file`, { path: this.path, error: (error as Error).message, lines_lost: this.lost });
        this.lost = 0;
      }
    }
  }

  /**
   * Beyond Kong (whose file-log without `reopen` writes to a rotated file until restarted): a
   * file renamed or removed under an open descriptor is noticed within ROTATION_CHECK_MS and a
   * new one is created at the path, so logrotate's default `create` mode works.
   */
  private async reopenIfMoved(): Promise<void> {
    if (!this.handle) return;
    const now = Date.now();
    if (now - this.lastRotationCheck < (this.options.rotationCheckMs ?? ROTATION_CHECK_MS)) return;
    this.lastRotationCheck = now;
    const [atPath, open] = await Promise.all([stat(this.path).catch(() => undefined), this.handle.stat()]);
    if (!atPath || atPath.ino !== open.ino || atPath.dev !== open.dev) await this.closeHandle();
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.options.log.warn(`[${this.options.name}] buffer full: lines dropped`, { path: this.path, lines_dropped: this.dropped });
    this.dropped = 0;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}

/** One appender per file and mode in the process: instances on one path share its order and descriptor. */
const appenders = new Map<string, FileAppender>();

/** The process's appender for `path` (resolved against the working directory). */
export function fileAppender(path: string, options: FileAppenderOptions): FileAppender {
  const absolute = resolve(path);
  const key = `${options.reopen ? "reopen" : "keep"}:${absolute}`;
  let appender = appenders.get(key);
  if (!appender) {
    appender = new FileAppender(absolute, options);
    appenders.set(key, appender);
  }
  return appender;
}

/** Waits until every appender of the process has written what it holds (shutdown). */
export async function flushFileAppenders(): Promise<void> {
  await Promise.all([...appenders.values()].map((a) => a.close()));
}
