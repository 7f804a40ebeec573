import { readConfigFile, readConfigFileHeader } from "@tether/store";
import type { ConfigSource } from "./holder.ts";

/**
 * A configuration file another process writes atomically (a DB-less primary, for its workers):
 * the version is read from the header line, the body only when the version moved.
 */
export function fileSource(path: string): ConfigSource {
  return {
    version: async () => readConfigFileHeader(path)?.version ?? 0,
    async load() {
      const file = readConfigFile(path);
      if (!file) throw new Error(`${path}: no configuration file`);
      return file.data;
    },
  };
}
