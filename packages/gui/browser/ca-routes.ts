import { pluginsOnRoute } from "./binding.ts";
import type { Json } from "./json.ts";

/**
 * The routes whose client certificates are checked against CA certificate `caId`: those where the
 * mtls-auth that runs (the most specific, as pluginsOnRoute picks it: route, then service, then
 * global) lists it in `config.ca_certificates`.
 */
export function routesTrustingCa(caId: string, routes: Json[], plugins: Json[]): Json[] {
  return routes.filter((route) => {
    const cas = (pluginsOnRoute(route, plugins).get("mtls-auth")?.["config"] as Json | undefined)?.["ca_certificates"];
    return Array.isArray(cas) && cas.includes(caId);
  });
}
