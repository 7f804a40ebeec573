import type { Route, Sni } from "@tether/core";

/**
 * The server names a configuration knows: those of the snis entities (not the catch-all `*`,
 * which names no server) and the snis and hosts of routes. Only these get TLS servers of their
 * own (ticket-servers.ts); any other SNI shares one, so random SNIs make no servers.
 *
 * Wildcards match as in the router: `*.example.com` any longer name ending so, `example.*` any
 * longer name starting so. That is wider than Kong's certificate lookup (one label), which only
 * ever costs a server more.
 */
export interface KnownServerNames {
  /** `serverName` as the SNI front gives it: lower-cased, no trailing dot. */
  has(serverName: string): boolean;
}

export function knownServerNames(routes: readonly Pick<Route, "hosts" | "snis">[], snis: readonly Pick<Sni, "name">[]): KnownServerNames {
  const exact = new Set<string>();
  const suffixes = new Set<string>();
  const prefixes = new Set<string>();
  const add = (entry: string): void => {
    // Route hosts may name a port; a server name never does.
    const name = entry.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
    if (name.startsWith("*.")) suffixes.add(name.slice(1));
    else if (name.endsWith(".*")) prefixes.add(name.slice(0, -1));
    else if (name !== "*") exact.add(name);
  };
  for (const sni of snis) add(sni.name);
  for (const route of routes) for (const name of [...(route.hosts ?? []), ...(route.snis ?? [])]) add(name);
  const bySuffix = [...suffixes];
  const byPrefix = [...prefixes];
  return {
    has(serverName) {
      if (exact.has(serverName)) return true;
      const longer = (part: string): boolean => serverName.length > part.length;
      return bySuffix.some((s) => longer(s) && serverName.endsWith(s)) || byPrefix.some((p) => longer(p) && serverName.startsWith(p));
    },
  };
}
