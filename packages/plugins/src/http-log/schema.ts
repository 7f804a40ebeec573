/**
 * Config schema of Kong's `http-log` plugin (kong/plugins/http-log/schema.lua and
 * kong/tools/queue_schema.lua, 3.x), as pure data, with Kong's checks: header names
 * (`Host`, `Content-Length` and `Content-Type` are the plugin's own), and no `Authorization`
 * header beside user info in `http_endpoint`.
 */
import type { FieldErrors, RecordSchema } from "@tether/core";
import { customFieldsByLua, luaCodeRefused } from "../logging/lua-code.ts";

export const queueSchema: RecordSchema = {
  type: "object",
  kongType: "record",
  additionalProperties: false,
  required: ["max_batch_size", "max_coalescing_delay", "max_entries", "max_retry_time", "initial_retry_delay", "max_retry_delay", "concurrency_limit"],
  properties: {
    max_batch_size: { type: "integer", default: 1, minimum: 1, maximum: 1_000_000, description: "Maximum number of entries that can be processed at a time." },
    max_coalescing_delay: {
      type: "number",
      default: 1,
      minimum: 0,
      maximum: 3600,
      description: "Maximum number of (fractional) seconds to elapse after the first entry was queued before the queue starts calling the handler.",
    },
    max_entries: { type: "integer", default: 10000, minimum: 1, maximum: 1_000_000, description: "Maximum number of entries that can be waiting on the queue." },
    max_bytes: { type: ["integer", "null"], description: "Maximum number of bytes that can be waiting on a queue, requires string content." },
    max_retry_time: { type: "number", default: 60, description: "Time in seconds before the queue gives up calling a failed handler for a batch." },
    initial_retry_delay: { type: "number", default: 0.01, minimum: 0.001, maximum: 1_000_000, description: "Time in seconds before the initial retry is made for a failing batch." },
    max_retry_delay: { type: "number", default: 60, minimum: 0.001, maximum: 1_000_000, description: "Maximum time in seconds between retries, caps exponential backoff." },
    concurrency_limit: { type: "integer", default: 1, enum: [-1, 1], description: "The number of of queue delivery timers. -1 indicates unlimited." },
  },
};

/** Kong's `typedefs.url`: a scheme and a host (its custom validator's message for the usual mistake). */
const URL_PATTERN = "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@]*@)?[^/?#@:]+";

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["http_endpoint", "method", "content_type", "timeout", "keepalive", "queue"],
  properties: {
    http_endpoint: {
      type: "string",
      pattern: URL_PATTERN,
      message: "missing host in url",
      encrypted: true,
      referenceable: true,
      description: "A string representing a URL, such as https://example.com/path/to/resource?q=search.",
    },
    method: {
      type: "string",
      default: "POST",
      enum: ["POST", "PUT", "PATCH"],
      description: "An optional method used to send data to the HTTP server. Supported values are `POST` (default), `PUT`, and `PATCH`.",
    },
    content_type: {
      type: "string",
      default: "application/json",
      enum: ["application/json", "application/json; charset=utf-8"],
      description: "Indicates the type of data sent. The only available option is `application/json`.",
    },
    timeout: { type: "number", default: 10000, description: "An optional timeout in milliseconds when sending data to the upstream server." },
    keepalive: { type: "number", default: 60000, description: "An optional value in milliseconds that defines how long an idle connection will live before being closed." },
    retry_count: { type: ["integer", "null"], description: "Deprecated (Kong: removal in 4.0): no effect; use queue.max_retry_time." },
    queue_size: { type: ["integer", "null"], description: "Deprecated (Kong: removal in 4.0): queue.max_batch_size." },
    flush_timeout: { type: ["number", "null"], description: "Deprecated (Kong: removal in 4.0): queue.max_coalescing_delay." },
    headers: {
      type: ["object", "null"],
      kongType: "map",
      additionalProperties: { type: "string", referenceable: true },
      description: "An optional table of headers included in the HTTP message to the upstream server. Values are indexed by header name, and each header name accepts a single string.",
    },
    queue: { ...queueSchema, default: {} },
    custom_fields_by_lua: customFieldsByLua,
  },
};

export interface QueueConfig {
  max_batch_size: number;
  max_coalescing_delay: number;
  max_entries: number;
  max_bytes?: number | null;
  max_retry_time: number;
  initial_retry_delay: number;
  max_retry_delay: number;
  concurrency_limit: 1 | -1;
}

export interface HttpLogConfig {
  http_endpoint: string;
  method: "POST" | "PUT" | "PATCH";
  content_type: "application/json" | "application/json; charset=utf-8";
  timeout: number;
  keepalive: number;
  retry_count?: number | null;
  queue_size?: number | null;
  flush_timeout?: number | null;
  headers?: Record<string, string> | null;
  queue: QueueConfig;
  custom_fields_by_lua?: Record<string, string> | null;
}

/** Headers the plugin sets itself (Kong's `match_none` on header names). */
const OWN_HEADERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^host$/i, "cannot contain 'Host' header"],
  [/^content-length$/i, "cannot contain 'Content-Length' header"],
  [/^content-type$/i, "cannot contain 'Content-Type' header"],
];

/** Kong's `typedefs.header_name`. */
function headerNameError(name: string): string | undefined {
  for (const [pattern, message] of OWN_HEADERS) if (pattern.test(name)) return message;
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) return `bad header name '${name}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
  return undefined;
}

/** Kong's field checks on `headers`, then its record check (`custom_validator`), then Lua. */
export function checkConfig(config: HttpLogConfig): string | FieldErrors | undefined {
  for (const name of Object.keys(config.headers ?? {})) {
    const error = headerNameError(name);
    if (error) return { headers: error };
  }
  const lua = luaCodeRefused(config.custom_fields_by_lua);
  if (lua) return lua;
  const hasUserinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(config.http_endpoint);
  if (hasUserinfo && Object.keys(config.headers ?? {}).some((name) => name.toLowerCase() === "authorization"))
    return "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed";
  return undefined;
}

/**
 * The queue's parameters as Kong's `Queue.get_plugin_params` derives them: the deprecated
 * `queue_size` and `flush_timeout`, when set to anything but their old defaults (1 and 2),
 * override `queue.max_batch_size` and `queue.max_coalescing_delay`.
 */
export function queueParams(config: HttpLogConfig): QueueConfig {
  const queue = { ...config.queue };
  if (config.queue_size !== null && config.queue_size !== undefined && config.queue_size !== 1) queue.max_batch_size = config.queue_size;
  if (config.flush_timeout !== null && config.flush_timeout !== undefined && config.flush_timeout !== 2) queue.max_coalescing_delay = config.flush_timeout;
  return queue;
}
