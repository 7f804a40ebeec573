import type { Store } from "@tether/store";
import type { ConfigSource } from "./holder.ts";

/** Reads the whole configuration from the store: only when the version moved, never per request. */
export function storeSource(store: Store): ConfigSource {
  return {
    version: () => store.version(),
    load: () => store.load(),
    onChange: (listener) => store.onChange(listener),
  };
}
