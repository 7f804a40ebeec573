import type { PluginDefinition } from "@tether/core";
import { TETHER_VERSION } from "../version.ts";
import { declareUpstreamHealth, metricErrors, recordRequest, requestMetrics, switchesOf } from "./exporter.ts";
import { configSchema, type PrometheusConfig } from "./schema.ts";

/**
 * Kong's prometheus plugin: records each request of the routes it applies to (log phase, priority
 * 13) in Kong's metrics; `/metrics` on the Admin API and the Status API serves them with the node
 * gauges. An instance whose switches record nothing per request has no log phase at all, so it
 * costs the proxy nothing per request.
 */
export const prometheus: PluginDefinition<PrometheusConfig> = {
  name: "prometheus",
  version: TETHER_VERSION,
  priority: 13,
  configSchema,
  // Kong's `typedefs.protocols`: the http subsystem's protocols by default, any protocol allowed.
  protocols: {
    default: ["grpc", "grpcs", "http", "https"],
    allowed: ["grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"],
  },
  consumerScopable: true,
  requestsClientCertificate: false,
  createHandler(config, env) {
    if (config.upstream_health_metrics === true) declareUpstreamHealth();
    const on = switchesOf(config);
    if (!on.statusCode && !on.latency && !on.bandwidth) return {};
    const metrics = requestMetrics();
    return {
      log(entry) {
        try {
          recordRequest(metrics, on, entry);
        } catch (error) {
          metricErrors().inc();
          env.log.error("prometheus: failed to record a request", { error: String((error as Error)?.stack ?? error) });
        }
      },
    };
  },
};
