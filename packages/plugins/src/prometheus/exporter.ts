import { Counter, Gauge, Histogram, register } from "prom-client";
import { routeLabel, serviceLabel, type LogEntry } from "@tether/core";
import type { PrometheusConfig } from "./schema.ts";

/**
 * Kong's per-request metrics (`kong/plugins/prometheus/exporter.lua`): names, types, labels, help
 * texts and buckets as Kong 3.9+ declares them, on prom-client's default registry (so one scrape
 * also carries the node gauges and the `tether_` counters; workers are summed by the primary).
 */

/** `kong_kong_latency_ms` buckets (ms); 3000 and 6000 since Kong 3.8.1 / 3.9.0. */
export const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000];
/** `kong_upstream_latency_ms` and `kong_request_latency_ms` buckets (ms). */
export const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];

const LATENCY_LABELS = ["service", "route", "workspace"] as const;

export interface RequestMetrics {
  status: Counter<"service" | "route" | "code" | "source" | "workspace" | "consumer">;
  kongLatency: Histogram<(typeof LATENCY_LABELS)[number]>;
  upstreamLatency: Histogram<(typeof LATENCY_LABELS)[number]>;
  requestLatency: Histogram<(typeof LATENCY_LABELS)[number]>;
  bandwidth: Counter<"service" | "route" | "direction" | "workspace" | "consumer">;
}

let errors: Counter | undefined;

/** The library's own error count (`kong_nginx_metric_errors_total`, always exported): a log phase that threw. */
export function metricErrors(): Counter {
  errors ??= new Counter({ name: "kong_nginx_metric_errors_total", help: "Number of nginx-lua-prometheus errors", registers: [register] });
  return errors;
}

let families: RequestMetrics | undefined;

/**
 * The per-request families, registered on first use: a node where no prometheus instance records
 * anything exports the node gauges only, as Kong's `/metrics` does without an instance.
 */
export function requestMetrics(): RequestMetrics {
  families ??= {
    status: new Counter({
      name: "kong_http_requests_total",
      help: "HTTP status codes per consumer/service/route in Kong",
      labelNames: ["service", "route", "code", "source", "workspace", "consumer"] as const,
      registers: [register],
    }),
    kongLatency: new Histogram({
      name: "kong_kong_latency_ms",
      help: "Latency added by Kong and enabled plugins for each service/route in Kong",
      labelNames: LATENCY_LABELS,
      buckets: KONG_LATENCY_BUCKETS,
      registers: [register],
    }),
    upstreamLatency: new Histogram({
      name: "kong_upstream_latency_ms",
      help: "Latency added by upstream response for each service/route in Kong",
      labelNames: LATENCY_LABELS,
      buckets: UPSTREAM_LATENCY_BUCKETS,
      registers: [register],
    }),
    requestLatency: new Histogram({
      name: "kong_request_latency_ms",
      help: "Total latency incurred during requests for each service/route in Kong",
      labelNames: LATENCY_LABELS,
      buckets: UPSTREAM_LATENCY_BUCKETS,
      registers: [register],
    }),
    bandwidth: new Counter({
      name: "kong_bandwidth_bytes",
      help: "Total bandwidth (ingress/egress) throughput in bytes",
      labelNames: ["service", "route", "direction", "workspace", "consumer"] as const,
      registers: [register],
    }),
  };
  return families;
}

let upstreamHealth: Gauge | undefined;

/**
 * `kong_upstream_target_health`, declared when an instance asks for it. Kong fills it from its
 * `upstreams`/`targets` entities and their health checkers; Tether has neither (a service names
 * its host and port directly, which Kong does not report either), so the family has no series.
 */
export function declareUpstreamHealth(): void {
  upstreamHealth ??= new Gauge({
    name: "kong_upstream_target_health",
    help: "Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.",
    labelNames: ["upstream", "target", "address", "state", "subsystem"] as const,
    registers: [register],
  });
}

/** One instance's switches, read once per snapshot (null is off). */
export interface Switches {
  perConsumer: boolean;
  statusCode: boolean;
  latency: boolean;
  bandwidth: boolean;
}

export function switchesOf(config: PrometheusConfig): Switches {
  return {
    perConsumer: config.per_consumer === true,
    statusCode: config.status_code_metrics === true,
    latency: config.latency_metrics === true,
    bandwidth: config.bandwidth_metrics === true,
  };
}

/**
 * What one request records (Kong's handler.lua `log` and exporter.lua `log`): nothing without a
 * matched route; `service` is the service's name, else its host; `route` the route's name, else
 * its id; `source` is `service` when the upstream answered, else `kong`; `consumer` the consumer's
 * username with `per_consumer`, else empty. Negative latencies (nothing proxied) and zero sizes
 * are not observed.
 */
export function recordRequest(metrics: RequestMetrics, on: Switches, entry: LogEntry): void {
  const { route, service } = entry;
  if (!route) return;
  const serviceName = serviceLabel(service);
  const routeName = routeLabel(route);
  const workspace = entry.workspace_name ?? "";
  const consumer = on.perConsumer ? (entry.consumer?.username ?? "") : "";
  if (on.bandwidth) {
    const ingress = entry.request.size;
    const egress = entry.response.size;
    if (ingress > 0) metrics.bandwidth.inc({ service: serviceName, route: routeName, direction: "ingress", workspace, consumer }, ingress);
    if (egress > 0) metrics.bandwidth.inc({ service: serviceName, route: routeName, direction: "egress", workspace, consumer }, egress);
  }
  if (on.statusCode) {
    const source = entry.source === "upstream" ? "service" : "kong";
    metrics.status.inc({ service: serviceName, route: routeName, code: String(entry.response.status), source, workspace, consumer });
  }
  if (on.latency) {
    const labels = { service: serviceName, route: routeName, workspace };
    const { request, proxy, kong } = entry.latencies;
    if (request >= 0) metrics.requestLatency.observe(labels, request);
    if (proxy >= 0) metrics.upstreamLatency.observe(labels, proxy);
    if (kong >= 0) metrics.kongLatency.observe(labels, kong);
  }
}
