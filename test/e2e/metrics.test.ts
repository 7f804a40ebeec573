// Kong's prometheus metrics as a real Prometheus sees them: Prometheus (Debian's package) scrapes
// a running Tether's Status API every second; after a known mix of requests (certificate-bound
// 200s, thumbprint-mismatch 401s, missing-certificate 401s, unknown routes) its HTTP API answers
// exactly those counts, with one worker and with `--workers 2` (one scrape sums the workers).
// The queries of Kong's official Grafana dashboard (kong-official.json, grafana.com 7424) answer
// unchanged, and every metric and label they use is in the exposition.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { prometheusMissing, startPrometheus, type Prometheus, type Sample } from "../fixtures/prometheus/index.ts";
import type { Pem } from "../fixtures/pki/index.ts";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const skip = prometheusMissing() ?? false;

/** The mix: how many of each, and what the proxy answers. */
const BOUND = 5; // alice's certificate, alice's token: 200 from the upstream
const MISMATCH = 3; // bob's certificate, alice's token: 401 from openid-connect
const NO_CERT = 2; // no certificate, alice's token: 401
const UNKNOWN = 4; // no route: 404, never counted (Kong's log handler returns without a route)

/**
 * Every metric Kong's official dashboard queries, with the labels its queries filter or group by
 * (`instance` is Prometheus's own; `type` on bandwidth is a label Kong's exporter does not have).
 */
const DASHBOARD: Record<string, { type: string; labels: string[]; series: boolean }> = {
  kong_http_requests_total: { type: "counter", labels: ["service", "route", "code"], series: true },
  kong_kong_latency_ms: { type: "histogram", labels: ["service", "route", "le"], series: true },
  kong_upstream_latency_ms: { type: "histogram", labels: ["service", "route", "le"], series: true },
  kong_request_latency_ms: { type: "histogram", labels: ["service", "route", "le"], series: true },
  kong_bandwidth_bytes: { type: "counter", labels: ["direction", "service", "route"], series: true },
  kong_nginx_connections_total: { type: "gauge", labels: ["state"], series: true },
  kong_memory_lua_shared_dict_bytes: { type: "gauge", labels: ["shared_dict"], series: true },
  kong_memory_lua_shared_dict_total_bytes: { type: "gauge", labels: ["shared_dict"], series: true },
  kong_memory_workers_lua_vms_bytes: { type: "gauge", labels: [], series: true },
  // Kong fills it from upstream entities and their health checks, which Tether has not: declared, empty.
  kong_upstream_target_health: { type: "gauge", labels: ["upstream", "target", "address", "state"], series: false },
};

/** The dashboard's panel queries, verbatim but for Grafana's variables (each set to "All"). */
const PANEL_QUERIES = [
  'sum(rate(kong_http_requests_total{instance=~"$instance"}[1m]))',
  'sum(rate(kong_http_requests_total{service=~"$service", route=~"$route", instance=~"$instance"}[1m])) by (service)',
  'sum(rate(kong_http_requests_total{service=~"$service", route=~"$route", instance=~"$instance"}[1m])) by (route)',
  'sum(rate(kong_http_requests_total{service=~"$service", route=~"$route", instance=~"$instance"}[1m])) by (service,code)',
  'sum(rate(kong_http_requests_total{service=~"$service", route=~"$route", instance=~"$instance"}[1m])) by (route,code)',
  'histogram_quantile(0.90, sum(rate(kong_kong_latency_ms_bucket{instance=~"$instance"}[1m])) by (le))',
  'histogram_quantile(0.95, sum(rate(kong_kong_latency_ms_bucket{ service =~ "$service",route=~"$route",instance=~"$instance"}[1m])) by (service,le))',
  'histogram_quantile(0.99, sum(rate(kong_kong_latency_ms_bucket{ service =~ "$service",route=~"$route",instance=~"$instance"}[1m])) by (route,le))',
  'histogram_quantile(0.90, sum(rate(kong_upstream_latency_ms_bucket{}[1m])) by (le))',
  'histogram_quantile(0.95, sum(rate(kong_upstream_latency_ms_bucket{service =~ "$service",route=~"$route",instance=~"$instance"}[1m])) by (service,le))',
  'histogram_quantile(0.99, sum(rate(kong_upstream_latency_ms_bucket{service =~ "$service",route=~"$route",instance=~"$instance"}[1m])) by (route,le))',
  'histogram_quantile(0.90, sum(rate(kong_request_latency_ms_bucket{}[1m])) by (le))',
  'histogram_quantile(0.95, sum(rate(kong_request_latency_ms_bucket{service =~ "$service",route=~"$route",instance=~"$instance"}[1m])) by (service,le))',
  'histogram_quantile(0.99, sum(rate(kong_request_latency_ms_bucket{service =~ "$service",route=~"$route",instance=~"$instance"}[1m])) by (route,le))',
  'sum(irate(kong_bandwidth_bytes{instance=~"$instance"}[1m])) by (type)',
  'sum(irate(kong_bandwidth_bytes{direction="egress", service =~"$service",route=~"$route",instance=~"$instance"}[1m])) by (service)',
  'sum(irate(kong_bandwidth_bytes{direction="egress", service =~"$service",route=~"$route",instance=~"$instance"}[1m])) by (route)',
  'sum(irate(kong_bandwidth_bytes{direction="ingress", service =~"$service"}[1m])) by (service)',
  'sum(kong_nginx_connections_total{state="accepted", instance=~"$instance"})',
  'sum(kong_nginx_connections_total{state="handled", instance=~"$instance"})',
  'sum(kong_nginx_connections_total{state="total", instance=~"$instance"})',
  'sum(kong_nginx_connections_total{state=~"active|reading|writing|waiting", instance=~"$instance"}) by (state)',
  '(kong_memory_lua_shared_dict_bytes{instance=~"$instance"}/kong_memory_lua_shared_dict_total_bytes{instance=~"$instance"})*100',
  'kong_memory_workers_lua_vms_bytes{instance=~"$instance"}',
].map((q) => q.replace(/\$(service|route|instance)/g, ".*"));

/** Label names on the sample lines of `family` (and of its _bucket/_sum/_count lines). */
function exposedLabels(exposition: string, family: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    const m = new RegExp(`^${family}(?:_bucket|_sum|_count)?\\{(.*)\\} `).exec(line);
    if (m) for (const pair of m[1]!.matchAll(/(\w+)="/g)) names.add(pair[1]!);
  }
  return names;
}

async function scrape(url: string): Promise<{ contentType: string | null; text: string }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return { contentType: res.headers.get("content-type"), text: await res.text() };
}

for (const workers of [1, 2]) {
  describe(`Prometheus scraping the Status API, ${workers === 1 ? "one worker" : `--workers ${workers}`}`, { skip }, () => {
    let s: Scenario;
    let prom: Prometheus;
    let routeId: string;
    let token: string;
    const selector = 'kong_http_requests_total{service="svc-1"}';

    const call = (path: string, cert: Pem | undefined) =>
      tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${token}` }, cert });
    /**
     * An instant query's series, asked again while there are none: after a scrape that failed (a
     * loaded machine, a 1 s scrape timeout) Prometheus marks the target's series stale for a moment.
     */
    const series = async (expr: string): Promise<Sample[]> => {
      let result: Sample[] = [];
      await waitFor(async () => (result = await prom.query(expr)).length > 0, 10_000, 200).catch(() => undefined);
      return result;
    };
    const value = async (expr: string): Promise<number | undefined> => (await series(expr))[0]?.value;

    before(async () => {
      s = await startScenario({ env: { TETHER_WORKERS: String(workers) } });
      await s.protect("/orders", { proof_of_possession_mtls: "strict" });
      routeId = (await adminJson(s.tether, "GET", "/services/svc-1/routes")).body.data[0].id;
      const plugin = await adminJson(s.tether, "POST", "/plugins", {
        name: "prometheus",
        config: { status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, per_consumer: true },
      });
      assert.equal(plugin.status, 201, JSON.stringify(plugin.body));
      token = await s.token({ cert: s.pki.clients.alice });
      // No probe request on the route: every request it sees is one of the mix.
      await untilApplied(s.tether, 10_000);
      prom = await startPrometheus({ targets: [`127.0.0.1:${s.tether.statusPort}`] });
      await waitFor(async () => (await value('up{job="tether"}')) === 1, 20_000, 200);
    });
    after(async () => {
      await prom?.stop();
      await s?.stop();
    });

    it("counts exactly the requests with a route, per code and source; unknown routes are not counted", async () => {
      for (let i = 0; i < UNKNOWN; i++) assert.equal((await call("/nowhere", s.pki.clients.alice)).status, 404);
      for (let i = 0; i < BOUND; i++) assert.equal((await call("/orders", s.pki.clients.alice)).status, 200);
      for (let i = 0; i < MISMATCH; i++) assert.equal((await call("/orders", s.pki.clients.bob)).status, 401);
      for (let i = 0; i < NO_CERT; i++) assert.equal((await call("/orders", undefined)).status, 401);
      const total = BOUND + MISMATCH + NO_CERT;
      await waitFor(async () => (await value(`sum(${selector})`)) === total, 20_000, 200);

      // (an empty label, as `consumer` is for requests without a consumer, is no label in Prometheus)
      const byCode = (await series(`sum by (code, source, route, workspace, consumer) (${selector})`))
        .map((r): Record<string, string | number> => ({ ...r.metric, n: r.value }))
        .sort((a, b) => String(a["code"]).localeCompare(String(b["code"])));
      assert.deepEqual(byCode, [
        { code: "200", source: "service", route: routeId, workspace: "default", n: BOUND },
        { code: "401", source: "kong", route: routeId, workspace: "default", n: MISMATCH + NO_CERT },
      ]);
      assert.deepEqual(await prom.query('last_over_time(kong_http_requests_total{code="404"}[1m])'), [], "no route, no count");
      // Latencies: every request is observed in total and Kong latency; upstream latency only when proxied.
      assert.equal(await value(`sum(kong_request_latency_ms_count{service="svc-1"})`), total);
      assert.equal(await value(`sum(kong_kong_latency_ms_count{service="svc-1"})`), total);
      assert.equal(await value(`sum(kong_upstream_latency_ms_count{service="svc-1"})`), BOUND);
      assert.equal(await value(`sum(kong_request_latency_ms_bucket{service="svc-1",le="+Inf"})`), total);
      for (const direction of ["ingress", "egress"])
        assert.ok(((await value(`sum(kong_bandwidth_bytes{service="svc-1",direction="${direction}"})`)) ?? 0) > 0, direction);
      // One scrape is the whole node: every worker's heap is in it.
      assert.equal(await value("count(kong_memory_workers_lua_vms_bytes)"), workers);
      assert.equal(await value("kong_datastore_reachable"), 1);
      assert.equal(await value("sum(kong_node_info)"), 1);
      assert.ok(((await value('sum(kong_nginx_requests_total{subsystem="http"})')) ?? 0) >= total + UNKNOWN);

      // The Admin API's /metrics is the same exposition (Kong's api.lua and status_api.lua).
      const admin = await scrape(`${s.tether.admin}/metrics`);
      assert.equal(admin.contentType, "text/plain; charset=UTF-8");
      const line = (code: string) => new RegExp(`^kong_http_requests_total\\{[^}]*code="${code}"[^}]*\\} (\\d+)$`, "m");
      assert.equal(Number(line("200").exec(admin.text)?.[1]), BOUND);
      assert.equal(Number(line("401").exec(admin.text)?.[1]), MISMATCH + NO_CERT);
    });

    it("Kong's official dashboard works unchanged: its metrics and labels exist, its queries answer", async () => {
      // Traffic spread over a few scrapes, so the dashboard's rates have something to show.
      for (let i = 0; i < 12; i++) {
        await call("/orders", i % 3 === 0 ? s.pki.clients.bob : s.pki.clients.alice);
        await new Promise((r) => setTimeout(r, 200));
      }
      const { contentType, text } = await scrape(`http://127.0.0.1:${s.tether.statusPort}/metrics`);
      assert.equal(contentType, "text/plain; charset=UTF-8");
      for (const [family, { type, labels, series }] of Object.entries(DASHBOARD)) {
        assert.match(text, new RegExp(`^# TYPE ${family} ${type}$`, "m"), family);
        const exposed = exposedLabels(text, family);
        assert.equal(exposed.size > 0, series, `${family}: series ${series ? "expected" : "not expected"}`);
        for (const label of labels) if (series) assert.ok(exposed.has(label), `${family} has no '${label}' label`);
      }
      await waitFor(async () => ((await value(`sum(rate(${selector}[1m]))`)) ?? 0) > 0, 10_000, 250);
      for (const query of PANEL_QUERIES) {
        const result = await series(query);
        assert.ok(result.length > 0, `no data: ${query}`);
        if (query.startsWith("histogram_quantile")) assert.ok(result.some((r) => Number.isFinite(r.value)), `only NaN: ${query}`);
      }
      // The dashboard's template variables.
      assert.ok((await prom.labelValues("service", "kong_http_requests_total")).includes("svc-1"));
      assert.ok((await prom.labelValues("route", "kong_http_requests_total")).includes(routeId));
      assert.deepEqual(await prom.labelValues("instance", "kong_nginx_connections_total"), [`127.0.0.1:${s.tether.statusPort}`]);
    });
  });
}
