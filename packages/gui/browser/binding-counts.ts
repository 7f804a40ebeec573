import type { Json } from "./json.ts";
import { parseSamples } from "./prometheus-text.ts";

/** Tether's counters of how authentications were decided (packages/proxy/src/metrics/auth-metrics.ts). */
const BINDING = "tether_auth_binding_total";
const REFUSALS = "tether_auth_refusals_total";

/** One route's counts since the node started: binding outcomes (match, mismatch, ...) and refusals by reason. */
export interface RouteCounts {
  outcomes: Map<string, number>;
  refusals: Map<string, number>;
}

/**
 * The route's label in Tether's metrics: Kong's rule, its name else its id (core `routeLabel`).
 * Route names are unique, so the label alone finds the route.
 */
export const routeLabelOf = (route: Json): string => String(route["name"] ?? route["id"]);

const add = (counts: Map<string, number>, key: string, value: number): void => void counts.set(key, (counts.get(key) ?? 0) + value);

/** The exposition's binding and refusal counters, summed per route label over services, proofs and plugins. */
export function bindingCounts(exposition: string): Map<string, RouteCounts> {
  const out = new Map<string, RouteCounts>();
  for (const sample of parseSamples(exposition, new Set([BINDING, REFUSALS]))) {
    const route = sample.labels["route"];
    const key = sample.name === BINDING ? sample.labels["outcome"] : sample.labels["reason"];
    if (route === undefined || key === undefined || sample.value === 0) continue;
    const counts = out.get(route) ?? { outcomes: new Map(), refusals: new Map() };
    out.set(route, counts);
    add(sample.name === BINDING ? counts.outcomes : counts.refusals, key, sample.value);
  }
  return out;
}

/** `match 3, mismatch 1` (largest first), or undefined for none. */
export function countsText(counts: ReadonlyMap<string, number> | undefined): string | undefined {
  if (!counts?.size) return undefined;
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key, n]) => `${key} ${n}`).join(", ");
}
