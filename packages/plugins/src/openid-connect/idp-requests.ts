import type { IdpRequestKind, PluginMetrics } from "@tether/core";

/**
 * `fetch` that reports every request to the IdP (its kind, whether it answered 2xx, how long it
 * took) to the `tether_idp_*` metrics. Without metrics it is `fetch` itself.
 */
export function reportingFetch(kind: IdpRequestKind, fetch: typeof globalThis.fetch, metrics: PluginMetrics | undefined): typeof globalThis.fetch {
  if (!metrics) return fetch;
  return async (input, init) => {
    const started = performance.now();
    try {
      const response = await fetch(input, init);
      metrics.idpRequest(kind, response.ok ? "ok" : "error", (performance.now() - started) / 1000);
      return response;
    } catch (error) {
      metrics.idpRequest(kind, "error", (performance.now() - started) / 1000);
      throw error;
    }
  };
}
