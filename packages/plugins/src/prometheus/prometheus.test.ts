import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { AggregatorRegistry, register } from "prom-client";
import type { Consumer, LogEntry, Route, Service } from "@tether/core";
import { KONG_LATENCY_BUCKETS, UPSTREAM_LATENCY_BUCKETS } from "./exporter.ts";
import { prometheus } from "./index.ts";
import { registerNodeMetrics } from "./node.ts";
import { configSchema, type PrometheusConfig } from "./schema.ts";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const env = { fetch, unverifiedFetch: fetch, clientCertificateFetch: () => fetch, log: silent };
const view = { consumer: () => undefined, caCertificate: () => undefined, certificate: () => undefined, mtlsCredentials: () => [], keySet: () => undefined };

const ROUTE = { id: "0f6a0e2c-6f5f-4d39-9d58-7a1f1f9c0001", name: null } as unknown as Route;
const SERVICE = { id: "s1", name: "orders", host: "orders.internal" } as unknown as Service;
const ALICE = { id: "c1", username: "alice", custom_id: null } as unknown as Consumer;

/** A log entry with what the exporter reads; the rest of Kong's serializer object does not matter here. */
function entry(over: Partial<LogEntry> = {}): LogEntry {
  return {
    request: { size: 300 },
    response: { status: 200, size: 900 },
    latencies: { kong: 3, proxy: 40, request: 45, receive: 2 },
    route: ROUTE,
    service: SERVICE,
    source: "upstream",
    workspace_name: "default",
    ...over,
  } as unknown as LogEntry;
}

const ALL_ON: PrometheusConfig = {
  per_consumer: true,
  status_code_metrics: true,
  ai_metrics: false,
  latency_metrics: true,
  bandwidth_metrics: true,
  upstream_health_metrics: false,
  wasm_metrics: false,
};

function handler(config: Partial<PrometheusConfig>) {
  return prometheus.createHandler({ ...ALL_ON, ...config }, env, view, { id: "p1" });
}

/** One series of a metric as prom-client reports it. */
interface Series {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

async function values(name: string): Promise<Series[]> {
  const metric = register.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  return (await metric.get()).values as Series[];
}

async function count(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const hit = (await values(name)).find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x));
  return hit?.value;
}

describe("prometheus config schema (Kong's schema.lua)", () => {
  it("seven booleans, all false by default", () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(configSchema);
    const config: Record<string, unknown> = {};
    assert.equal(validate(config), true);
    assert.deepEqual(config, {
      per_consumer: false,
      status_code_metrics: false,
      ai_metrics: false,
      latency_metrics: false,
      bandwidth_metrics: false,
      upstream_health_metrics: false,
      wasm_metrics: false,
    });
    assert.equal(validate({ status_code_metrics: "yes" }), false);
    assert.equal(validate({ unknown_field: true }), false);
  });

  it("Kong's priority, protocols, and scoping", () => {
    assert.equal(prometheus.priority, 13);
    assert.deepEqual(prometheus.protocols.default, ["grpc", "grpcs", "http", "https"]);
    assert.equal(prometheus.consumerScopable, true);
    assert.equal(prometheus.requestsClientCertificate, false);
  });
});

describe("prometheus log phase (Kong's exporter.lua)", () => {
  it("with Kong's defaults an instance has no log phase: the proxy does no per-request work for it", () => {
    assert.equal(handler({ per_consumer: false, status_code_metrics: false, latency_metrics: false, bandwidth_metrics: false }).log, undefined);
    assert.equal(handler({ status_code_metrics: false, latency_metrics: false, bandwidth_metrics: false }).log, undefined, "per_consumer alone records nothing");
  });

  it("kong_http_requests_total: Kong's labels; source service or kong; consumer only with per_consumer", async () => {
    handler({}).log!(entry({ consumer: ALICE }), undefined);
    handler({}).log!(entry({ response: { status: 401, size: 120 } as LogEntry["response"], source: "kong", latencies: { kong: 5, proxy: -1, request: 5, receive: 0 } }), undefined);
    handler({ per_consumer: false }).log!(entry({ consumer: ALICE }), undefined);
    const labels = { service: "orders", route: ROUTE.id, workspace: "default" };
    assert.equal(await count("kong_http_requests_total", { ...labels, code: "200", source: "service", consumer: "alice" }), 1);
    assert.equal(await count("kong_http_requests_total", { ...labels, code: "200", source: "service", consumer: "" }), 1);
    assert.equal(await count("kong_http_requests_total", { ...labels, code: "401", source: "kong", consumer: "" }), 1);
    const names = new Set((await values("kong_http_requests_total")).flatMap((v) => Object.keys(v.labels)));
    assert.deepEqual([...names].sort(), ["code", "consumer", "route", "service", "source", "workspace"]);
  });

  it("nothing without a route (no route matched); service falls back to its host, route to its name", async () => {
    const before = await values("kong_http_requests_total");
    handler({}).log!(entry({ route: undefined, response: { status: 404, size: 100 } as LogEntry["response"] }), undefined);
    assert.deepEqual(await values("kong_http_requests_total"), before);
    const named = { ...ROUTE, name: "orders-route" } as Route;
    handler({}).log!(entry({ route: named, service: { ...SERVICE, name: null } as Service, response: { status: 418, size: 1 } as LogEntry["response"] }), undefined);
    assert.equal(await count("kong_http_requests_total", { service: "orders.internal", route: "orders-route", code: "418" }), 1);
  });

  it("latencies: Kong's buckets; a request that was not proxied has no upstream latency", async () => {
    const kong = await values("kong_kong_latency_ms");
    const le = (vs: Series[]) => [...new Set(vs.filter((v) => v.labels["le"] !== undefined).map((v) => String(v.labels["le"])))];
    assert.deepEqual(le(kong), [...KONG_LATENCY_BUCKETS.map(String), "+Inf"]);
    assert.deepEqual(le(await values("kong_upstream_latency_ms")), [...UPSTREAM_LATENCY_BUCKETS.map(String), "+Inf"]);
    assert.deepEqual(le(await values("kong_request_latency_ms")), [...UPSTREAM_LATENCY_BUCKETS.map(String), "+Inf"]);
    const counted = async (name: string) =>
      (await values(name)).find((v) => v.metricName === `${name}_count` && v.labels["route"] === ROUTE.id)?.value;
    // So far: three requests on ROUTE, one of them answered by Kong itself (proxy latency -1).
    assert.equal(await counted("kong_request_latency_ms"), 3);
    assert.equal(await counted("kong_kong_latency_ms"), 3);
    assert.equal(await counted("kong_upstream_latency_ms"), 2);
    const exposition = await register.metrics();
    assert.match(exposition, /^# TYPE kong_kong_latency_ms histogram$/m);
    assert.match(exposition, /^kong_kong_latency_ms_bucket\{le="5",service="orders",route="[^"]+",workspace="default"\} \d+$/m);
  });

  it("kong_bandwidth_bytes: request and response sizes as ingress and egress; a zero size adds nothing", async () => {
    const labels = { service: "orders", route: "bw" };
    const route = { ...ROUTE, name: "bw" } as Route;
    handler({}).log!(entry({ route, request: { size: 300 } as LogEntry["request"], response: { status: 200, size: 0 } as LogEntry["response"] }), undefined);
    handler({}).log!(entry({ route, request: { size: 200 } as LogEntry["request"], response: { status: 200, size: 50 } as LogEntry["response"] }), undefined);
    assert.equal(await count("kong_bandwidth_bytes", { ...labels, direction: "ingress" }), 500);
    assert.equal(await count("kong_bandwidth_bytes", { ...labels, direction: "egress" }), 50);
  });

  it("each switch records only its own metrics", async () => {
    const route = { ...ROUTE, name: "only-status" } as Route;
    handler({ latency_metrics: false, bandwidth_metrics: false }).log!(entry({ route }), undefined);
    assert.equal(await count("kong_http_requests_total", { route: "only-status" }), 1);
    assert.equal(await count("kong_bandwidth_bytes", { route: "only-status" }), undefined);
    assert.equal((await values("kong_request_latency_ms")).some((v) => v.labels["route"] === "only-status"), false);
  });

  it("upstream_health_metrics declares kong_upstream_target_health (Tether has no upstream entities: no series)", async () => {
    handler({ upstream_health_metrics: true });
    assert.deepEqual(await values("kong_upstream_target_health"), []);
    assert.match(await register.metrics(), /^# TYPE kong_upstream_target_health gauge$/m);
  });
});

describe("node gauges and the cluster's sum", () => {
  const stats = (n: number) => ({
    total_requests: 10 * n,
    connections_active: n,
    connections_accepted: 2 * n,
    connections_handled: 2 * n,
    connections_reading: 0,
    connections_writing: 0,
    connections_waiting: 0,
  });

  it("two workers' registries, aggregated as the primary does: counts summed, reachability the lowest, node info once", async () => {
    const node = "5a1f7e7e-1111-4222-8333-944455556666";
    registerNodeMetrics({ nodeId: node, stats: () => stats(1), datastoreReachable: async () => true });
    const first = await register.getMetricsAsJSON();
    registerNodeMetrics({ nodeId: node, stats: () => stats(2), datastoreReachable: async () => false });
    const second = await register.getMetricsAsJSON();
    const summed = await AggregatorRegistry.aggregate([first, second]).getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string> = {}) =>
      (summed.find((m) => m.name === name)?.values as Series[] | undefined)?.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x))?.value;
    assert.equal(value("kong_nginx_connections_total", { node_id: node, subsystem: "http", state: "accepted" }), 6);
    assert.equal(value("kong_nginx_connections_total", { state: "total" }), 30);
    assert.equal(value("kong_nginx_connections_total", { state: "active" }), 3);
    assert.equal(value("kong_nginx_requests_total", { node_id: node, subsystem: "http" }), 30);
    assert.equal(value("kong_datastore_reachable"), 0, "one worker cannot reach the database: the node cannot");
    assert.equal(value("kong_node_info", { node_id: node, version: "3.9.0" }), 1);
    assert.equal(value("kong_nginx_metric_errors_total"), 0);
    for (const name of ["kong_memory_workers_lua_vms_bytes", "kong_memory_lua_shared_dict_bytes", "kong_memory_lua_shared_dict_total_bytes", "kong_nginx_timers"])
      assert.ok(summed.some((m) => m.name === name), name);
  });

  it("a database that does not answer within the scrape's budget counts as unreachable", async () => {
    registerNodeMetrics({ nodeId: "n", stats: () => stats(1), datastoreReachable: () => new Promise(() => undefined) });
    const started = Date.now();
    const reachable = (await register.getSingleMetric("kong_datastore_reachable")!.get()).values[0]?.value;
    assert.equal(reachable, 0);
    assert.ok(Date.now() - started < 5_000);
  });
});
