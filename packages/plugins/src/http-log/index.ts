import type { Logger } from "@tether/core";
import { logPlugin } from "../logging/definition.ts";
import { entryJson } from "../logging/entry-json.ts";
import { LogQueue, realClock } from "./queue.ts";
import { checkConfig, configSchema, queueParams, type HttpLogConfig } from "./schema.ts";
import { closeAgents, parseEndpoint, sendEntries } from "./sender.ts";

/** Live queues by Kong's queue name; a queue leaves when it has nothing left to send. */
const queues = new Map<string, { queue: LogQueue; config: HttpLogConfig }>();

/**
 * Kong's `make_queue_name`: instances with the same log server parameters share a queue. (Its
 * format string has six slots for eight values, so queue_size and flush_timeout never count.)
 */
function queueName(config: HttpLogConfig, endpoint: string): string {
  const lua = (value: unknown): string => (value === null || value === undefined ? "nil" : String(value));
  return [endpoint, config.method, config.content_type, config.timeout, config.keepalive, config.retry_count].map(lua).join(":");
}

function queueFor(key: string, config: HttpLogConfig, log: Logger): { queue: LogQueue; config: HttpLogConfig } {
  let live = queues.get(key);
  if (!live) {
    const logName = queueName(config, parseEndpoint(config.http_endpoint).safe);
    // The queue's parameters are those of the instance that made it; the sending configuration
    // is the latest seen (Kong: "We always use the latest configuration that we have seen").
    const created: { queue: LogQueue; config: HttpLogConfig } = {
      config,
      queue: new LogQueue(logName, queueParams(config), (entries, params) => sendEntries(created.config, entries, params), log, realClock, () => {
        if (queues.get(key) === created) queues.delete(key);
      }),
    };
    live = created;
    queues.set(key, live);
  }
  live.config = config;
  return live;
}

/**
 * Kong's http-log: the serialized entry of every request, sent to `http_endpoint` by a
 * background queue (http-log/queue.ts) in batches, retried with backoff, with bounded memory.
 * The log phase only encodes and enqueues: a down or slow log server never touches the
 * proxied request. Priority 12.
 */
export const httpLog = logPlugin<HttpLogConfig>({
  name: "http-log",
  priority: 12,
  configSchema,
  checkConfig,
  createHandler(config, env) {
    const key = queueName(config, config.http_endpoint);
    return {
      log(entry) {
        queueFor(key, config, env.log).queue.enqueue(entryJson(entry));
      },
    };
  },
});

/**
 * Shutdown: every queue sends what it holds without waiting for batches to fill, for at most
 * `timeoutMs`; what is still queued then is lost (Kong's queues live in worker memory too).
 */
export async function drainHttpLogQueues(timeoutMs: number): Promise<void> {
  const live = [...queues.values()].map(({ queue }) => queue);
  for (const queue of live) queue.hurry();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(live.map((queue) => queue.idle())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  await closeAgents();
}
