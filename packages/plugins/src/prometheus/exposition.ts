import { AggregatorRegistry, register, type PrometheusContentType } from "prom-client";

/**
 * Kong's `/metrics` answers `text/plain; charset=UTF-8` (exporter.lua `collect`). Prometheus reads
 * any `text/plain` answer as its text format 0.0.4, which is what prom-client writes, so Kong's
 * header is kept: clients that compare it with Kong's see the same.
 */
export const METRICS_CONTENT_TYPE = "text/plain; charset=UTF-8";

/** The exposition of a node where one process runs the proxy: that process's registry. */
export function processMetrics(): Promise<string> {
  return register.metrics();
}

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;

/**
 * In a cluster worker, first thing: answer the primary's scrape requests with this process's
 * registry (prom-client listens for them once an AggregatorRegistry exists in the process).
 */
export function answerClusterScrapes(): void {
  aggregator ??= new AggregatorRegistry();
}

/**
 * On the cluster's primary: one exposition for the whole node, every worker's registry asked over
 * IPC and each metric combined by its aggregator (a sum unless the metric says otherwise). The
 * primary's own registry is not part of it: the primary runs no proxy, so it records nothing.
 */
export async function clusterMetrics(): Promise<string> {
  aggregator ??= new AggregatorRegistry();
  try {
    return await aggregator.clusterMetrics();
  } catch {
    // prom-client gives up after 5 s when a worker does not answer: one that died after it was
    // asked, before the primary heard of its exit. Ask once more, those still alive.
    return aggregator.clusterMetrics();
  }
}
