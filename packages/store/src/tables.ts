import { pluginScopeKey, type EntityKinds, type EntityName } from "@tether/core";

/** How each entity maps onto its table's indexed columns (the rest lives in the JSON `entity`). */
export type ColumnMap<E> = Readonly<Record<string, (entity: E) => string | number | null>>;

const ref = (r: { id: string } | null): string | null => r?.id ?? null;

export interface TableSpec<E> {
  columns: ColumnMap<E>;
  foreignColumns: Readonly<Record<string, string>>;
  /** The fields behind a `cache_key` column, as a unique violation on it reports them. */
  cacheKeyFields?: (entity: E) => Record<string, unknown>;
}

export const tables: { readonly [N in EntityName]: TableSpec<EntityKinds[N]> } = {
  services: {
    columns: { name: (s) => s.name, client_certificate_id: (s) => ref(s.client_certificate) },
    foreignColumns: { client_certificate: "client_certificate_id" },
  },
  routes: { columns: { name: (r) => r.name, service_id: (r) => ref(r.service) }, foreignColumns: { service: "service_id" } },
  consumers: { columns: { username: (c) => c.username, custom_id: (c) => c.custom_id }, foreignColumns: {} },
  plugins: {
    columns: {
      name: (p) => p.name,
      instance_name: (p) => p.instance_name,
      service_id: (p) => ref(p.service),
      route_id: (p) => ref(p.route),
      consumer_id: (p) => ref(p.consumer),
      cache_key: (p) => [p.name, ref(p.route) ?? "", ref(p.service) ?? "", ref(p.consumer) ?? ""].join("|"),
    },
    foreignColumns: { service: "service_id", route: "route_id", consumer: "consumer_id" },
    cacheKeyFields: pluginScopeKey,
  },
  certificates: { columns: {}, foreignColumns: {} },
  snis: { columns: { name: (s) => s.name, certificate_id: (s) => s.certificate.id }, foreignColumns: { certificate: "certificate_id" } },
  ca_certificates: { columns: { cert_digest: (c) => c.cert_digest }, foreignColumns: {} },
  mtls_auth_credentials: {
    columns: {
      consumer_id: (c) => c.consumer.id,
      ca_certificate_id: (c) => ref(c.ca_certificate),
      cache_key: (c) => `${c.subject_name}|${ref(c.ca_certificate) ?? ""}`,
    },
    foreignColumns: { consumer: "consumer_id", ca_certificate: "ca_certificate_id" },
    cacheKeyFields: (c) => ({ ca_certificate: c.ca_certificate, subject_name: c.subject_name }),
  },
  upstreams: {
    columns: { name: (u) => u.name, client_certificate_id: (u) => ref(u.client_certificate) },
    foreignColumns: { client_certificate: "client_certificate_id" },
  },
  targets: {
    // Kong's cache key (upstream, target): one entry per address within an upstream.
    columns: { upstream_id: (t) => t.upstream.id, cache_key: (t) => `${t.upstream.id}|${t.target}` },
    foreignColumns: { upstream: "upstream_id" },
    cacheKeyFields: (t) => ({ upstream: t.upstream, target: t.target }),
  },
  vaults: { columns: { prefix: (v) => v.prefix }, foreignColumns: {} },
  key_sets: { columns: { name: (s) => s.name }, foreignColumns: {} },
  keys: {
    // Kong's cache key (kid, set): a kid names one key within a set (or among the keys in none).
    // The set's id first: it holds no `|`, so no kid can make two keys' columns collide.
    columns: { name: (k) => k.name, set_id: (k) => ref(k.set), cache_key: (k) => `${ref(k.set) ?? ""}|${k.kid}` },
    foreignColumns: { set: "set_id" },
    cacheKeyFields: (k) => ({ kid: k.kid, set: k.set }),
  },
};
