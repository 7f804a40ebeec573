import type { PluginInstance, Route } from "@tether/core";

/**
 * Kong's SNI map (reference 5.2): which handshakes ask for a client certificate. A global
 * instance, or one on a route without `snis`, puts `*` in the map: every handshake asks.
 */
export interface HandshakeMap {
  wantsClientCertificate(serverName: string | undefined): boolean;
}

export function buildHandshakeMap(instances: readonly PluginInstance[], routes: readonly Route[]): HandshakeMap {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  const prefixes: string[] = [];
  let star = false;
  const add = (sni: string): void => {
    const name = sni.toLowerCase().replace(/\.$/, "");
    if (name.startsWith("*.")) suffixes.push(name.slice(1));
    else if (name.endsWith(".*")) prefixes.push(name.slice(0, -1));
    else exact.add(name);
  };
  const addRoute = (route: Route): void => {
    if (!route.snis?.length) star = true;
    else route.snis.forEach(add);
  };
  for (const instance of instances) {
    if (!instance.enabled) continue;
    if (instance.route) {
      const route = routes.find((r) => r.id === instance.route!.id);
      if (route) addRoute(route);
    } else if (instance.service) {
      for (const route of routes) if (route.service?.id === instance.service.id) addRoute(route);
    } else star = true;
  }
  return {
    wantsClientCertificate(serverName) {
      if (serverName !== undefined) {
        const name = serverName.toLowerCase();
        if (exact.has(name) || suffixes.some((s) => name.endsWith(s)) || prefixes.some((p) => name.startsWith(p))) return true;
      }
      return star;
    },
  };
}
