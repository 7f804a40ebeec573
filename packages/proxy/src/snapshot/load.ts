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
        consumers: store.daos.consumers.all(),
        certificates: store.daos.certificates.all(),
        snis: store.daos.snis.all(),
        ca_certificates: store.daos.ca_certificates.all(),
        mtls_auth_credentials: store.daos.mtls_auth_credentials.all(),
      }))(),
  };
}
