import type { LogEntry } from "@tether/core";

// One slot is enough: a request's log plugins run one after another, synchronously, on one entry.
// (A WeakMap entry per request cost the garbage collector an ephemeron per request.)
let lastEntry: LogEntry | undefined;
let lastJson = "";

/**
 * `JSON(kong.log.serialize())`: the entry as one line of JSON, encoded once per request however
 * many log plugins (file-log, http-log) write it.
 */
export function entryJson(entry: LogEntry): string {
  if (entry !== lastEntry) {
    lastJson = JSON.stringify(entry);
    lastEntry = entry;
  }
  return lastJson;
}
