import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDeclarativeStore, declarativeHash, formatErrors, parseDeclarative, ParseError, type PluginRegistry } from "@tether/admin";
import type { ConfigData, Logger } from "@tether/core";
import {
  ConfigFileError,
  DblessStore,
  describePostgresError,
  isSettingsError,
  openPostgresStore,
  openSqliteStore,
  readConfigFile,
  sqliteFile,
  writeConfigFile,
  type PostgresStore,
  type Store,
} from "@tether/store";
import type { TetherConfig } from "../config/load.ts";
import { StartError } from "./start-error.ts";

/** Where a PostgreSQL node keeps the last configuration it enforced. */
export const lastAppliedPath = (prefix: string): string => join(prefix, "config", "last-applied.json");
/** Where a DB-less node keeps its configuration (for restarts, and for its workers). */
export const dblessPath = (prefix: string): string => join(prefix, "config", "dbless.json");

const MIGRATION_RETRY_MS = 2_000;

/** `declarative_config`, loaded whole or the start refused with Kong's message and every error. */
async function loadDeclarativeFile(store: DblessStore, file: string, plugins: PluginRegistry, log: Logger): Promise<void> {
  const text = readFileSync(file, "utf8");
  let doc: unknown;
  try {
    doc = parseDeclarative(text, file);
  } catch (error) {
    if (error instanceof ParseError) throw new StartError(`error parsing declarative config file ${file}:\n${error.message}`);
    throw error;
  }
  const built = await buildDeclarativeStore(doc, plugins);
  if (!built.ok) throw new StartError(`error parsing declarative config file ${file}:\n${formatErrors(built.errors)}`);
  const version = await store.replace(built.store, declarativeHash(text));
  log.info("declarative configuration loaded", { file, version, hash: store.configurationHash });
}

/**
 * Migrates under the installation's lock. A node that cannot reach PostgreSQL but has a last
 * applied configuration starts from that (and keeps trying to migrate in the background); wrong
 * credentials, a missing database, or nothing to serve stop the start with one line.
 */
async function migratePostgres(store: PostgresStore, config: TetherConfig, log: Logger): Promise<void> {
  try {
    const applied = await store.migrate();
    log.info(applied.length ? "database migrated" : "database is up to date", { database: "postgres", applied });
  } catch (error) {
    const message = describePostgresError(error, config.pg);
    if (isSettingsError(error) || !readConfigFile(lastAppliedPath(config.prefix))) {
      await store.close();
      throw new StartError(message);
    }
    log.warn("PostgreSQL unreachable at start: serving the last applied configuration until it answers", { error: message });
    const retry = setInterval(() => {
      store.migrate().then(
        () => clearInterval(retry),
        () => undefined,
      );
    }, MIGRATION_RETRY_MS);
    retry.unref();
  }
}

/**
 * The node's store. The primary (`migrate`) brings the schema up to date first; workers open the
 * same database after it did. A DB-less primary holds the configuration in memory, from
 * `declarative_config` or what the prefix kept; its workers read the file it keeps there.
 */
export async function openStore(config: TetherConfig, log: Logger, plugins: PluginRegistry, options: { migrate: boolean }): Promise<Store> {
  switch (config.database) {
    case "sqlite":
      return openSqliteStore(sqliteFile(config.prefix), { migrate: options.migrate });
    case "postgres": {
      const store = openPostgresStore(config.pg, log);
      if (options.migrate) await migratePostgres(store, config, log);
      return store;
    }
    case "off": {
      // A worker follows the file its primary writes (the proxy's fileSource) and never writes it:
      // loading declarative_config again there would undo, for every worker, a POST /config.
      if (!options.migrate) return DblessStore.open();
      let store: DblessStore;
      try {
        store = await DblessStore.open(dblessPath(config.prefix));
      } catch (error) {
        if (error instanceof ConfigFileError) throw new StartError(`${error.message}; remove it to start empty, or set declarative_config`);
        throw error;
      }
      if (config.declarative_config) await loadDeclarativeFile(store, config.declarative_config, plugins, log);
      return store;
    }
  }
}

/** The configuration the proxy starts with: the store's, or on PostgreSQL during an outage the node's last applied one. */
export async function initialConfig(store: Store, config: TetherConfig, log: Logger): Promise<ConfigData> {
  if (store.database !== "postgres") return store.load();
  try {
    return await store.load();
  } catch (error) {
    let cached;
    try {
      cached = readConfigFile(lastAppliedPath(config.prefix));
    } catch (damaged) {
      throw new StartError(`${describePostgresError(error, config.pg)}; and the last applied configuration cannot be used: ${(damaged as Error).message}`);
    }
    if (!cached) throw new StartError(describePostgresError(error, config.pg));
    log.warn("serving the last applied configuration", { version: cached.data.version, file: lastAppliedPath(config.prefix) });
    return cached.data;
  }
}

/** PostgreSQL nodes keep every configuration they enforce, to start with it during an outage. */
export function keepApplied(config: TetherConfig, log: Logger): ((data: ConfigData) => void) | undefined {
  if (config.database !== "postgres") return undefined;
  return (data) => {
    try {
      writeConfigFile(lastAppliedPath(config.prefix), data);
    } catch (error) {
      log.error("could not keep the applied configuration under the prefix", { error: String(error) });
    }
  };
}
