import type { PluginInstance, Route } from "@tether/core";

/**
 * For one route, the instance of each plugin name that applies, by Kong's precedence
 * (route+service, route, service, global; consumer levels come with consumer mapping).
 * Disabled instances are skipped so the next less specific one applies.
 */
export function selectInstances(route: Route, instances: readonly PluginInstance[]): PluginInstance[] {
  const serviceId = route.service?.id;
  const rank = (p: PluginInstance): number => {
    if (p.consumer) return -1;
    const r = p.route?.id;
    const s = p.service?.id;
    if (r && s) return r === route.id && s === serviceId ? 4 : -1;
    if (r) return r === route.id ? 3 : -1;
    if (s) return s === serviceId ? 2 : -1;
    return 1;
  };
  const best = new Map<string, { instance: PluginInstance; rank: number }>();
  for (const instance of instances) {
    if (!instance.enabled) continue;
    const r = rank(instance);
    if (r < 0) continue;
    const current = best.get(instance.name);
    if (!current || r > current.rank) best.set(instance.name, { instance, rank: r });
  }
  return [...best.values()].map((b) => b.instance);
}
