/**
 * Config schema of the `prometheus` plugin (Kong 3.x `kong/plugins/prometheus/schema.lua`), as
 * pure data: seven booleans, all off by default. Since Kong 3.0 the per-request metrics are opt-in
 * (their cardinality is the cost): with every switch off an instance records nothing per request
 * and `/metrics` shows the node-level gauges only. Optional Kong fields are nullable (null = off).
 */
import type { FieldSchema, RecordSchema } from "@tether/core";

const flag = (description: string): FieldSchema => ({ type: ["boolean", "null"], default: false, description });

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    per_consumer: flag(
      "A boolean value that determines if per-consumer metrics should be collected. If enabled, the `kong_http_requests_total` and `kong_bandwidth_bytes` metrics fill in the consumer label when available.",
    ),
    status_code_metrics: flag(
      "A boolean value that determines if status code metrics should be collected. If enabled, `http_requests_total`, `stream_sessions_total` metrics will be exported.",
    ),
    ai_metrics: flag(
      "A boolean value that determines if ai metrics should be collected. If enabled, the `ai_llm_requests_total`, `ai_llm_cost_total` and `ai_llm_tokens_total` metrics will be exported.",
    ),
    latency_metrics: flag(
      "A boolean value that determines if latency metrics should be collected. If enabled, `kong_latency_ms`, `upstream_latency_ms` and `request_latency_ms` metrics will be exported.",
    ),
    bandwidth_metrics: flag(
      "A boolean value that determines if bandwidth metrics should be collected. If enabled, `bandwidth_bytes` and `stream_sessions_total` metrics will be exported.",
    ),
    upstream_health_metrics: flag(
      "A boolean value that determines if upstream metrics should be collected. If enabled, `upstream_target_health` metric will be exported.",
    ),
    wasm_metrics: flag("A boolean value that determines if Wasm metrics should be collected."),
  },
};

export interface PrometheusConfig {
  per_consumer: boolean | null;
  status_code_metrics: boolean | null;
  ai_metrics: boolean | null;
  latency_metrics: boolean | null;
  bandwidth_metrics: boolean | null;
  upstream_health_metrics: boolean | null;
  wasm_metrics: boolean | null;
}
