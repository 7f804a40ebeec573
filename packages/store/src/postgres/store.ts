import type { Logger } from "@tether/core";
import { migrateUp, migrationStates, type MigrationState } from "../sql/migrations.ts";
import { SqlStore } from "../sql/sql-store.ts";
import { changeChannel, describePostgresError, PostgresDatabase } from "./database.ts";
import { ChangeListener } from "./listener.ts";
import type { PostgresSettings } from "./settings.ts";

/** Kong's default `--lock-timeout` of `kong migrations`: how long a node waits for another's migrations. */
const MIGRATION_LOCK_TIMEOUT_MS = 60_000;

/**
 * A node's view of the shared PostgreSQL store. Writes NOTIFY the installation's channel in their
 * transaction; `onChange` listeners hear every node's writes through one LISTEN connection,
 * opened when the first listener subscribes.
 */
export class PostgresStore extends SqlStore {
  private listener: ChangeListener | undefined;

  constructor(
    private readonly pg: PostgresDatabase,
    private readonly log: Logger,
  ) {
    super("postgres", pg);
  }

  /** Applies pending migrations under the installation's lock; returns the names this node applied. */
  migrate(): Promise<string[]> {
    return this.pg.withMigrationLock(() => migrateUp(this.pg), MIGRATION_LOCK_TIMEOUT_MS);
  }

  migrationStates(): Promise<MigrationState[]> {
    return migrationStates(this.pg);
  }

  override onChange(listener: () => void): () => void {
    if (!this.listener) {
      this.listener = new ChangeListener(this.pg.settings, changeChannel(this.pg.settings), () => this.changed(), this.log);
      this.listener.start();
    }
    return super.onChange(listener);
  }

  override async close(): Promise<void> {
    await this.listener?.stop();
    await super.close();
  }
}

/** Opens the pool (lazily connecting); nothing is migrated until `migrate()`. */
export function openPostgresStore(settings: PostgresSettings, log: Logger): PostgresStore {
  const db = new PostgresDatabase(settings, (error) => log.warn("idle PostgreSQL connection failed", { error: describePostgresError(error, settings) }));
  return new PostgresStore(db, log);
}
