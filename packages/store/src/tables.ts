import type { EntityKinds, EntityName } from "@tether/core";

/** How each entity maps onto its table's indexed columns (the rest lives in the JSON `entity`). */
export type ColumnMap<E> = Readonly<Record<string, (entity: E) => string | number | null>>;

const ref = (r: { id: string } | null): string | null => r?.id ?? null;

export const tables: { readonly [N in EntityName]: { columns: ColumnMap<EntityKinds[N]>; foreignColumns: Readonly<Record<string, string>> } } = {
  services: { columns: { name: (s) => s.name }, foreignColumns: {} },
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
  },
};
