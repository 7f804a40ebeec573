import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@tether/core";
import { drainLogs as drainLogOutputs } from "@tether/plugins";
import { accessLogObserver, type RequestObserver } from "@tether/proxy";
import type { TetherConfig } from "../config/load.ts";

/** How long a stopping node gives its log outputs (files, http-log queues) to write what they hold. */
const LOG_DRAIN_MS = 2_000;

/**
 * The node's request observers for `proxy_access_log` (each proxy process, workers included,
 * appends to the same file: whole lines, O_APPEND). The file's directory is made as Kong makes
 * `<prefix>/logs`.
 */
export function accessLogObservers(config: TetherConfig, log: Logger): RequestObserver[] {
  const target = config.proxy_access_log;
  if (target !== "off" && target !== "stdout") mkdirSync(dirname(target), { recursive: true });
  const observer = accessLogObserver(target, log);
  return observer ? [observer] : [];
}

/** At shutdown, after the proxy closed: the access log, file-log and http-log outputs are drained. */
export function drainLogs(): Promise<void> {
  return drainLogOutputs(LOG_DRAIN_MS);
}
