import type { Store } from "@tether/store";
import type { ConfigSource } from "./holder.ts";

/** Reads the whole configuration from the store: only when the version moved, never per request. */
export function storeSource(store: Store): ConfigSource {
  return {
    version: () => store.version(),
    load: () =>
      store.db.transaction(() => ({
        version: store.version(),
        services: store.daos.services.all(),
        routes: store.daos.routes.all(),
        plugins: store.daos.plugins.all(),
      }))(),
  };
}
