import { EMPTY_CONFIGURATION_HASH } from "@tether/store";

/** What `GET /status/ready` decides on (Kong's `kong/status/ready.lua`). */
export interface ReadinessFacts {
  /** `POST /status/ready` with `status=draining` was received (Kong 3.9's `kong drain`). */
  draining: boolean;
  /** The store answered; a DB-less store always does. */
  databaseReachable: boolean;
  dbless: boolean;
  /** Proxy processes the node runs (`workers`). */
  workers: number;
  /** Of those, how many have built their router and plugins from a configuration. */
  proxiesReady: number;
  /** DB-less: the hash of the configuration loaded (Kong's all-zero hash when it is empty). */
  configurationHash: string | undefined;
}

export type Readiness = { ready: true } | { ready: false; message: string };

/**
 * Kong's readiness, in Kong's order and words: draining first, then the database (a DB-less node
 * has none to fail), then the configuration. A traditional node is ready once a router is built
 * (a proxy accepts connections only after it has one); a DB-less node needs every worker built
 * and a non-empty configuration: an empty one is "not ready", so a load balancer keeps traffic
 * away until `POST /config` (or a declarative file) gave the node something to serve.
 */
export function readiness(facts: ReadinessFacts): Readiness {
  if (facts.draining) return { ready: false, message: "draining" };
  if (!facts.databaseReachable) return { ready: false, message: "failed to connect to database" };
  if (!facts.dbless) return facts.proxiesReady > 0 ? { ready: true } : { ready: false, message: "router builds not yet complete" };
  if (facts.proxiesReady < facts.workers)
    return { ready: false, message: `router builds not yet complete, router ready in ${facts.proxiesReady} of ${facts.workers} workers` };
  if (facts.configurationHash === undefined) return { ready: false, message: "no configuration available (configuration hash is not initialized)" };
  if (facts.configurationHash === EMPTY_CONFIGURATION_HASH) return { ready: false, message: "no configuration available (empty configuration present)" };
  return { ready: true };
}
