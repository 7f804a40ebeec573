import type { LogEntry } from "@tether/core";

const encoded = new WeakMap<LogEntry, string>();

/**
 * `JSON(kong.log.serialize())`: the entry as one line of JSON, encoded once per request however
 * many log plugins (file-log, http-log) write it.
 */
export function entryJson(entry: LogEntry): string {
  let json = encoded.get(entry);
  if (json === undefined) {
    json = JSON.stringify(entry);
    encoded.set(entry, json);
  }
  return json;
}
