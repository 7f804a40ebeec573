import type { Logger, PluginDefinition, PluginEnvironment } from "@tether/core";
import { compileSnapshot, type ConfigData, type Snapshot } from "./compile.ts";

export interface ConfigSource {
  version(): number;
  load(): ConfigData;
}

/**
 * Holds the current snapshot and swaps it when the store's config version moves. Polling a
 * single integer is what lets N processes (workers, or admin in another process) converge.
 */
export class SnapshotHolder {
  private current: Snapshot;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: ConfigSource,
    private readonly registry: ReadonlyMap<string, PluginDefinition>,
    private readonly env: PluginEnvironment,
    private readonly log: Logger,
  ) {
    this.current = compileSnapshot(source.load(), registry, env);
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /** Recompiles if the version moved; a failed compile keeps the old snapshot serving. */
  refresh(): void {
    try {
      if (this.source.version() === this.current.version) return;
      const next = compileSnapshot(this.source.load(), this.registry, this.env);
      this.current = next;
      this.log.info("configuration reloaded", { version: next.version, routes: next.router.size });
    } catch (error) {
      this.log.error("configuration reload failed; still serving the previous one", { error: String(error) });
    }
  }

  watch(intervalMs: number): void {
    this.timer = setInterval(() => this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
