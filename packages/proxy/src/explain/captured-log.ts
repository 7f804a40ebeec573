import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "@tether/core";

/** One line a plugin logged during a dry run. */
export interface CapturedLine {
  level: "info" | "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

interface Capture {
  lines: CapturedLine[];
  open: boolean;
}

const active = new AsyncLocalStorage<Capture>();

/**
 * The plugins' logger, made able to divert what a dry run logs: inside `capturingLogs` the lines
 * go to that call's list (at every level, whatever the node's log level) and not to the node's
 * log, so an explanation neither fills the node's log nor depends on its level.
 */
export function divertableLogger(log: Logger): Logger {
  const write = (level: CapturedLine["level"]) => (message: string, fields?: Record<string, unknown>) => {
    const capture = active.getStore();
    if (capture?.open) capture.lines.push({ level, message, ...(fields ? { fields } : {}) });
    else log[level](message, fields);
  };
  return { info: write("info"), warn: write("warn"), error: write("error") };
}

/**
 * Runs `fn`, collecting what a divertable logger is told meanwhile (in this async context only).
 * Work started here that outlives it (a shared key fetch) logs to the node again once it returns.
 */
export async function capturingLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: CapturedLine[] }> {
  const capture: Capture = { lines: [], open: true };
  try {
    const result = await active.run(capture, fn);
    return { result, lines: capture.lines };
  } finally {
    capture.open = false;
  }
}
