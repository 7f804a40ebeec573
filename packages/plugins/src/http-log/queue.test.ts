import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Logger } from "@tether/core";
import { LogQueue, retryDelayMs, type QueueClock } from "./queue.ts";
import type { QueueConfig } from "./schema.ts";

/** A clock that moves only when told: timers fire in order as `advance` passes them. */
class ManualClock implements QueueClock {
  private t = 0;
  private timers: { at: number; fire: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.t + ms, fire: resolve };
      this.timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      });
    });
  }

  /** Lets every pending promise settle (the queue's loop runs on promises). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await this.settle();
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fire();
      await this.settle();
    }
    this.t = end;
    await this.settle();
  }
}

const KONG_DEFAULTS: QueueConfig = {
  max_batch_size: 1,
  max_coalescing_delay: 1,
  max_entries: 10000,
  max_bytes: null,
  max_retry_time: 60,
  initial_retry_delay: 0.01,
  max_retry_delay: 60,
  concurrency_limit: 1,
};

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** A log server double: records each call's batch and time; `fail` decides per call. */
function receiver(clock: ManualClock, fail: (call: number) => boolean = () => false) {
  const calls: { at: number; entries: string[] }[] = [];
  const handler = async (entries: string[]): Promise<void> => {
    calls.push({ at: clock.now(), entries: [...entries] });
    if (fail(calls.length)) throw new Error("failed request to 127.0.0.1:9: connect ECONNREFUSED");
  };
  return { calls, handler };
}

function queueWith(params: Partial<QueueConfig>, clock: ManualClock, handler: (entries: string[]) => Promise<void>, log = recordingLog(), onIdle?: () => void) {
  return new LogQueue("http://127.0.0.1:9/:POST:application/json:10000:60000:nil", { ...KONG_DEFAULTS, ...params }, handler, log, clock, onIdle);
}

describe("http-log's queue (Kong's kong/tools/queue.lua)", () => {
  it("max_batch_size 1: every entry is handed over alone, at once, in order", async () => {
    const clock = new ManualClock();
    const { calls, handler } = receiver(clock);
    const queue = queueWith({}, clock, handler);
    for (const entry of ["a", "b", "c"]) queue.enqueue(entry);
    await clock.advance(0);
    assert.deepEqual(calls, [{ at: 0, entries: ["a"] }, { at: 0, entries: ["b"] }, { at: 0, entries: ["c"] }]);
  });

  it("batches wait up to max_coalescing_delay for max_batch_size entries; a full batch goes at once", async () => {
    const clock = new ManualClock();
    const { calls, handler } = receiver(clock);
    const queue = queueWith({ max_batch_size: 3, max_coalescing_delay: 1 }, clock, handler);
    queue.enqueue("a");
    queue.enqueue("b");
    await clock.advance(900);
    assert.deepEqual(calls, [], "still coalescing");
    await clock.advance(100);
    assert.deepEqual(calls, [{ at: 1000, entries: ["a", "b"] }]);
    for (const entry of ["c", "d", "e", "f"]) queue.enqueue(entry);
    await clock.advance(0);
    assert.deepEqual(calls[1], { at: 1000, entries: ["c", "d", "e"] });
    await clock.advance(960);
    queue.enqueue("g");
    await clock.advance(0);
    // Kong stops waiting once less than 50 ms of the delay is left.
    assert.deepEqual(calls[2], { at: 1960, entries: ["f", "g"] });
  });

  it("a failed batch is retried with exponential backoff (initial_retry_delay doubled, capped by max_retry_delay)", async () => {
    const clock = new ManualClock();
    const log = recordingLog();
    const { calls, handler } = receiver(clock, (n) => n <= 4);
    const queue = queueWith({ initial_retry_delay: 0.01, max_retry_delay: 0.03 }, clock, handler, log);
    queue.enqueue("a");
    await clock.advance(1000);
    assert.deepEqual(calls.map((c) => c.at), [0, 10, 30, 60, 90]);
    assert.ok(calls.every((c) => c.entries[0] === "a"));
    assert.equal(log.lines.filter((l) => l.startsWith("warn: [http-log] queue http://127.0.0.1:9/:POST")).length, 4);
    assert.match(log.lines[0]!, /handler could not process entries: failed request to 127\.0\.0\.1:9: connect ECONNREFUSED$/);
    assert.deepEqual([0, 1, 2, 10].map((n) => retryDelayMs({ initial_retry_delay: 0.01, max_retry_delay: 60 }, n)), [10, 20, 40, 10240]);
  });

  it("after max_retry_time the batch is dropped, with a line saying how many entries were lost; the next one goes", async () => {
    const clock = new ManualClock();
    const log = recordingLog();
    const { calls, handler } = receiver(clock, (n) => n <= 5);
    const queue = queueWith({ max_retry_time: 1, initial_retry_delay: 0.1, max_retry_delay: 0.4 }, clock, handler, log);
    queue.enqueue("lost");
    queue.enqueue("kept");
    await clock.advance(5000);
    assert.deepEqual(calls.map((c) => [c.at, c.entries[0]]), [[0, "lost"], [100, "lost"], [300, "lost"], [700, "lost"], [1100, "lost"], [1100, "kept"]]);
    assert.ok(log.lines.includes("error: [http-log] queue http://127.0.0.1:9/:POST:application/json:10000:60000:nil: could not send entries due to max_retry_time exceeded. 1 queue entries were lost"), log.lines.join("\n"));
  });

  it("memory is bounded: at max_entries the oldest entries are dropped, once said", async () => {
    const clock = new ManualClock();
    const log = recordingLog();
    const sent: string[][] = [];
    let release: () => void = () => undefined;
    const handler = async (entries: string[]): Promise<void> => {
      sent.push(entries);
      if (sent.length === 1) await new Promise<void>((r) => (release = r)); // the log server hangs on the first
    };
    const queue = queueWith({ max_entries: 3 }, clock, handler, log);
    for (let i = 1; i <= 8; i++) queue.enqueue(`e${i}`);
    await clock.advance(0);
    assert.equal(queue.count, 3);
    release();
    await clock.advance(0);
    assert.deepEqual(sent, [["e1"], ["e6"], ["e7"], ["e8"]]);
    assert.equal(log.lines.filter((l) => l.includes("queue full, dropping old entries")).length, 1);
    assert.ok(log.lines.includes("warn: [http-log] queue http://127.0.0.1:9/:POST:application/json:10000:60000:nil: queue at 80% capacity"));
  });

  it("max_bytes: old entries make room for a new one; an entry larger than the limit is refused", async () => {
    const clock = new ManualClock();
    const log = recordingLog();
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const queue = queueWith({ max_bytes: 10 }, clock, async (entries) => {
      sent.push(...entries);
      if (sent.length === 1) await new Promise<void>((r) => (release = r));
    }, log);
    queue.enqueue("first");
    await clock.advance(0);
    for (const entry of ["aaaa", "bbbb", "cccc"]) queue.enqueue(entry);
    assert.equal(queue.enqueue("x".repeat(11)), false);
    release();
    await clock.advance(0);
    assert.deepEqual(sent, ["first", "bbbb", "cccc"]);
    assert.ok(log.lines.some((l) => l.endsWith("byte capacity exceeded, 1 queue entries were dropped")));
    assert.ok(log.lines.some((l) => l.endsWith("string to be queued is longer (11 bytes) than the queue's max_bytes (10 bytes)")));
  });

  it("concurrency_limit -1: each entry is sent on its own at once, without waiting for the others", async () => {
    const clock = new ManualClock();
    const started: string[] = [];
    const queue = queueWith({ concurrency_limit: -1, max_entries: 2 }, clock, (entries) => {
      started.push(...entries);
      return new Promise(() => undefined); // never answers
    });
    assert.equal(queue.enqueue("a"), true);
    assert.equal(queue.enqueue("b"), true);
    assert.equal(queue.enqueue("c"), false, "no more than max_entries in flight");
    await clock.advance(0);
    assert.deepEqual(started, ["a", "b"]);
  });

  it("an emptied queue says so (Kong then forgets it); hurry() sends without waiting to coalesce", async () => {
    const clock = new ManualClock();
    const { calls, handler } = receiver(clock);
    let idle = 0;
    const queue = queueWith({ max_batch_size: 10, max_coalescing_delay: 60 }, clock, handler, recordingLog(), () => idle++);
    queue.enqueue("a");
    await clock.advance(10);
    assert.equal(calls.length, 0);
    queue.hurry();
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(calls, [{ at: 10, entries: ["a"] }]);
    assert.equal(idle, 1);
  });
});
