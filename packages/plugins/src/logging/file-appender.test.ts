import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Logger } from "@tether/core";
import { FileAppender } from "./file-appender.ts";

function recordingLog(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

const dir = mkdtempSync(join(tmpdir(), "tether-appender-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the file appender (file-log, proxy_access_log)", () => {
  it("appends every line in order, creating the file 0644, and never makes the caller wait", async () => {
    const path = join(dir, "order.log");
    const appender = new FileAppender(path, { reopen: false, log: recordingLog(), name: "test" });
    const started = performance.now();
    for (let i = 0; i < 5000; i++) appender.write(`{"n":${i}}\n`);
    assert.ok(performance.now() - started < 200, "write() only queues");
    await appender.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 5000);
    lines.forEach((line, i) => assert.equal(line, `{"n":${i}}`));
    assert.equal(statSync(path).mode & 0o777, 0o644 & ~process.umask());
  });

  it("bounds what waits for the disk: lines beyond the buffer are dropped, counted and reported", async () => {
    const path = join(dir, "bounded.log");
    const log = recordingLog();
    const appender = new FileAppender(path, { reopen: false, log, name: "test", maxBufferedBytes: 100 });
    for (let i = 0; i < 20; i++) appender.write(`${"x".repeat(19)}\n`); // 20 bytes each: 5 fit
    await appender.close();
    assert.equal(readFileSync(path, "utf8").split("\n").length - 1, 5);
    assert.deepEqual(log.lines, [{ level: "warn", message: "[test] buffer full: lines dropped", fields: { path, lines_dropped: 15 } }]);
  });

  it("a file that cannot be opened costs log lines (reported, rate-limited), not the caller", async () => {
    const path = join(dir, "no-such-dir", "x.log");
    const log = recordingLog();
    const appender = new FileAppender(path, { reopen: false, log, name: "file-log" });
    appender.write("a\n");
    await appender.flush();
    appender.write("b\n");
    await appender.flush();
    assert.equal(log.lines.length, 1, JSON.stringify(log.lines));
    assert.equal(log.lines[0]!.message, "[file-log] failed to write the file");
    assert.match(String(log.lines[0]!.fields?.["error"]), /ENOENT/);
  });

  const rotations = [
    { name: "reopen: every write opens the path again, so a rotated file is left alone at once", options: { reopen: true } },
    { name: "without reopen, a file moved away (logrotate) is noticed and a new one created", options: { reopen: false, rotationCheckMs: 0 } },
  ];
  for (const { name, options } of rotations)
    it(name, async () => {
      const path = join(dir, `rotate-${options.reopen}.log`);
      const appender = new FileAppender(path, { ...options, log: recordingLog(), name: "test" });
      appender.write("before\n");
      await appender.flush();
      renameSync(path, `${path}.1`);
      appender.write("after\n");
      await appender.close();
      assert.equal(readFileSync(`${path}.1`, "utf8"), "before\n");
      assert.equal(readFileSync(path, "utf8"), "after\n");
    });
});
