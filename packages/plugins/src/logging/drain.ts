import { drainHttpLogQueues } from "../http-log/index.ts";
import { flushFileAppenders } from "./file-appender.ts";

/**
 * At shutdown, after the last request: file-log (and the access log) write what they hold, and
 * http-log queues send theirs, for at most `timeoutMs`.
 */
export async function drainLogs(timeoutMs: number): Promise<void> {
  await Promise.all([flushFileAppenders(), drainHttpLogQueues(timeoutMs)]);
}
