import type { Logger } from "@tether/core";
import type { QueueConfig } from "./schema.ts";

/** Time as the queue sees it: injected so that batching and backoff can be tested without waiting. */
export interface QueueClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: QueueClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** Sends one batch; rejects (with a message fit for the log) when the batch was not accepted. */
export type BatchHandler = (entries: string[], params: QueueConfig) => Promise<void>;

/** Kong's queue.lua constants. */
const CAPACITY_WARNING_THRESHOLD = 0.8;
const COALESCE_POLL_MS = 1000;
const COALESCE_MIN_MS = 50;

/**
 * Kong's plugin queue (kong/tools/queue.lua), for one queue name: entries wait in memory, a
 * single background loop (concurrency_limit 1) takes up to `max_batch_size` of them, waiting up
 * to `max_coalescing_delay` after the first for the batch to fill, and hands the batch to the
 * handler; a failed batch is retried with exponential backoff (`initial_retry_delay` doubled per
 * retry, capped by `max_retry_delay`) until `max_retry_time` has passed, then dropped (logged).
 * Memory is bounded: at `max_entries` (or `max_bytes`) the oldest entries are dropped. With
 * `concurrency_limit` -1 every entry is sent on its own at once, as Kong does, but at most
 * `max_entries` of them are in flight (Kong starts a timer for each, without bound).
 */
export class LogQueue {
  private entries: string[] = [];
  private bytes = 0;
  private running: Promise<void> | undefined;
  private inFlight = 0;
  private arrival: (() => void) | undefined;
  private warned = false;
  private full = false;
  private droppedSinceFull = 0;
  private exiting = new AbortController();

  constructor(
    /** The queue's name as logs show it (never with the endpoint's user info). */
    readonly name: string,
    readonly params: QueueConfig,
    private readonly handler: BatchHandler,
    private readonly log: Logger,
    private readonly clock: QueueClock = realClock,
    /** Called when the queue has nothing left to do (Kong then forgets the queue). */
    private readonly onIdle: () => void = () => undefined,
  ) {}

  get count(): number {
    return this.entries.length;
  }

  /** Adds an entry; false when it could not be queued. Never waits. */
  enqueue(entry: string): boolean {
    if (this.params.concurrency_limit === -1) return this.sendAlone(entry);
    const max = this.params.max_entries;
    if (this.entries.length >= max * CAPACITY_WARNING_THRESHOLD) {
      if (!this.warned) this.warn(`queue at ${CAPACITY_WARNING_THRESHOLD * 100}% capacity`);
      this.warned = true;
    } else this.warned = false;
    if (this.entries.length >= max) {
      if (!this.full) this.error("queue full, dropping old entries until processing is successful again");
      this.full = true;
      while (this.entries.length >= max) this.dropOldest();
    }
    const size = Buffer.byteLength(entry);
    const maxBytes = this.params.max_bytes;
    if (maxBytes !== null && maxBytes !== undefined) {
      if (size > maxBytes) {
        this.error(`string to be queued is longer (${size} bytes) than the queue's max_bytes (${maxBytes} bytes)`);
        return false;
      }
      let dropped = 0;
      while (this.entries.length > 0 && this.bytes + size > maxBytes) {
        this.dropOldest();
        dropped += 1;
      }
      if (dropped > 0) {
        this.full = true;
        this.error(`byte capacity exceeded, ${dropped} queue entries were dropped`);
      }
    }
    this.entries.push(entry);
    this.bytes += size;
    const wake = this.arrival;
    this.arrival = undefined;
    wake?.();
    this.running ??= this.run();
    return true;
  }

  /** Resolves when nothing is queued or being sent. */
  async idle(): Promise<void> {
    while (this.running || this.inFlight > 0) {
      if (this.running) await this.running;
      else await this.clock.sleep(10);
    }
  }

  /** Shutdown: stop waiting for batches to fill (Kong: `ngx.worker.exiting()`), cut retry waits short. */
  hurry(): void {
    this.exiting.abort();
  }

  private dropOldest(): void {
    const oldest = this.entries.shift();
    if (oldest !== undefined) this.bytes -= Buffer.byteLength(oldest);
    this.droppedSinceFull += 1;
  }

  private async run(): Promise<void> {
    try {
      while (this.entries.length > 0) await this.processOnce();
    } finally {
      this.running = undefined;
      if (this.entries.length > 0) this.running = this.run();
      else if (this.inFlight === 0) this.onIdle();
    }
  }

  private async processOnce(): Promise<void> {
    const started = this.clock.now();
    const { max_batch_size: maxBatch } = this.params;
    const delay = this.params.max_coalescing_delay * 1000;
    while (this.entries.length < maxBatch && !this.exiting.signal.aborted) {
      const remaining = delay - (this.clock.now() - started);
      if (remaining < COALESCE_MIN_MS) break;
      await this.nextArrival(Math.min(remaining, COALESCE_POLL_MS));
    }
    const batch = this.entries.splice(0, Math.min(maxBatch, this.entries.length));
    for (const entry of batch) this.bytes -= Buffer.byteLength(entry);
    if (this.full) {
      this.info(`queue resumed processing (${this.droppedSinceFull} entries were dropped while it was full)`);
      this.full = false;
    }
    this.droppedSinceFull = 0;
    if (batch.length > 0) await this.handle(batch);
  }

  private nextArrival(ms: number): Promise<void> {
    const stop = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      this.arrival = resolve;
    });
    const exiting = (): void => stop.abort();
    this.exiting.signal.addEventListener("abort", exiting, { once: true });
    return Promise.race([arrived, this.clock.sleep(ms, stop.signal)]).finally(() => {
      stop.abort();
      this.exiting.signal.removeEventListener("abort", exiting);
      this.arrival = undefined;
    });
  }

  /** Kong's `handle`: call the handler until it succeeds or max_retry_time has passed. */
  private async handle(batch: string[]): Promise<void> {
    const start = this.clock.now();
    for (let retry = 0; ; retry++) {
      let failure: string;
      try {
        await this.handler(batch, this.params);
        return;
      } catch (error) {
        failure = (error as Error)?.message || "no error details returned by handler";
      }
      this.warn(`handler could not process entries: ${failure}`);
      if (this.exiting.signal.aborted) {
        this.error(`could not send entries before shutdown. ${batch.length} queue entries were lost`);
        return;
      }
      if (this.clock.now() - start > this.params.max_retry_time * 1000) {
        this.error(`could not send entries due to max_retry_time exceeded. ${batch.length} queue entries were lost`);
        return;
      }
      // At shutdown the wait is cut short: one last attempt, then the batch is given up.
      await this.clock.sleep(retryDelayMs(this.params, retry), this.exiting.signal);
    }
  }

  private sendAlone(entry: string): boolean {
    if (this.inFlight >= this.params.max_entries) {
      if (!this.full) this.error("queue full: entries are dropped until sending catches up");
      this.full = true;
      return false;
    }
    this.full = false;
    this.inFlight += 1;
    void this.handle([entry]).finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0 && !this.running) this.onIdle();
    });
    return true;
  }

  private info(message: string): void {
    this.log.info(`[http-log] queue ${this.name}: ${message}`);
  }

  private warn(message: string): void {
    this.log.warn(`[http-log] queue ${this.name}: ${message}`);
  }

  private error(message: string): void {
    this.log.error(`[http-log] queue ${this.name}: ${message}`);
  }
}

/** The wait before retry number `retry` (0-based): initial_retry_delay × 2^retry, capped; in ms. */
export function retryDelayMs(params: Pick<QueueConfig, "initial_retry_delay" | "max_retry_delay">, retry: number): number {
  return Math.min(params.max_retry_delay, 2 ** retry * params.initial_retry_delay) * 1000;
}
