import type { FieldSchema } from "../schema/types.ts";

/**
 * Kong's upstream `healthchecks` record (kong/db/schema/entities/upstreams.lua, `healthchecks_config`
 * and its typedefs), with Kong's whole default tree: a stored upstream always carries every field.
 */
const record = (properties: Record<string, FieldSchema>): FieldSchema => ({
  type: "object",
  kongType: "record",
  additionalProperties: false,
  properties,
  default: {},
});
const checkType: FieldSchema = { type: "string", enum: ["tcp", "http", "https", "grpc", "grpcs"], default: "http" };
const seconds = (fallback: number): FieldSchema => ({ type: "number", minimum: 0, maximum: 65535, default: fallback });
const oneByte: FieldSchema = { type: "integer", minimum: 0, maximum: 255, default: 0 };
const statuses = (fallback: number[]): FieldSchema => ({
  type: "array",
  items: { type: "integer", minimum: 100, maximum: 999 },
  default: fallback,
});

export const healthchecksField: FieldSchema = record({
  active: record({
    type: checkType,
    timeout: seconds(1),
    concurrency: { type: "integer", minimum: 1, maximum: 2 ** 31, default: 10 },
    http_path: { type: "string", pattern: "^/", message: "should start with: /", default: "/" },
    https_sni: { type: ["string", "null"], minLength: 1 },
    https_verify_certificate: { type: "boolean", default: true },
    headers: { type: ["object", "null"], kongType: "map", additionalProperties: { type: "array", items: { type: "string" } } },
    healthy: record({ interval: seconds(0), http_statuses: statuses([200, 302]), successes: oneByte }),
    unhealthy: record({
      interval: seconds(0),
      http_statuses: statuses([429, 404, 500, 501, 502, 503, 504, 505]),
      tcp_failures: oneByte,
      timeouts: oneByte,
      http_failures: oneByte,
    }),
  }),
  passive: record({
    type: checkType,
    healthy: record({
      http_statuses: statuses([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]),
      successes: oneByte,
    }),
    unhealthy: record({ http_statuses: statuses([429, 500, 503]), tcp_failures: oneByte, timeouts: oneByte, http_failures: oneByte }),
  }),
  threshold: { type: "number", minimum: 0, maximum: 100, default: 0 },
});
