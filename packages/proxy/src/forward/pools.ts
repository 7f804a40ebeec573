import { upstreamUsesTls, type Service } from "@tether/core";
import type { Upstream } from "./plan.ts";

/** The service's upstream origin, an IPv6 address in brackets. */
export function originOf(service: Service): string {
  const host = service.host.includes(":") ? `[${service.host}]` : service.host;
  return `${upstreamUsesTls(service.protocol) ? "https" : "http"}://${host}:${service.port}`;
}

/** Upstreams with equal keys share a pool: same origin, connection knobs and TLS settings. */
export function poolKeyOf({ service, tls }: Upstream): string {
  return `${originOf(service)}|${service.connect_timeout}|${service.retries}|${tls?.id ?? ""}`;
}

/**
 * An engine's connection pools by poolKeyOf, each retired once no configuration uses it: a deleted
 * service, or changed TLS settings (a rotated client certificate is a new key), would otherwise
 * keep its pool, and its connections with the old certificate, for the process's life.
 *
 * Whoever swaps the snapshot tells `retain` the new configuration's upstreams (a one-way push, at
 * the only moment the live set changes; a periodic sweep would need the snapshot pulled in here
 * and would still lag). A request planned on the replaced configuration can still arrive after
 * that (its plugins were running): if its pool was retired, it gets a pool of its own, retired
 * right after being handed the request.
 */
export class PoolRegistry<P> {
  private readonly pools = new Map<string, P>();
  /** Service entities are immutable within a snapshot: remember their pool without a key string. */
  private byService = new WeakMap<Service, P>();
  /** The keys the serving configuration uses; undefined before the first swap (all are). */
  private live: ReadonlySet<string> | undefined;

  /** `retire` closes a pool once its in-flight requests are done, taking no new ones. */
  constructor(
    private readonly create: (upstream: Upstream) => P,
    private readonly retire: (pool: P) => void,
  ) {}

  /** The pool for a request's upstream; the caller hands it the request at once (see the class). */
  get(upstream: Upstream): P {
    const known = this.byService.get(upstream.service);
    if (known) return known;
    const key = poolKeyOf(upstream);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = this.create(upstream);
      if (this.live && !this.live.has(key)) {
        const stale = pool;
        queueMicrotask(() => this.retire(stale));
        return stale;
      }
      this.pools.set(key, pool);
    }
    this.byService.set(upstream.service, pool);
    return pool;
  }

  retain(upstreams: readonly Upstream[]): void {
    const live = new Set(upstreams.map(poolKeyOf));
    for (const [key, pool] of this.pools) {
      if (live.has(key)) continue;
      this.pools.delete(key);
      this.retire(pool);
    }
    this.live = live;
    // It may map the replaced configuration's services to pools just retired.
    this.byService = new WeakMap();
  }

  /** Every pool still kept (to close them all at shutdown); the registry forgets them. */
  drain(): P[] {
    const all = [...this.pools.values()];
    this.pools.clear();
    this.byService = new WeakMap();
    return all;
  }
}
