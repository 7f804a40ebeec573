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
  private stopped = false;

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

  /**
   * Recompiles if the version moved; a failed compile keeps the old snapshot serving. However many
   * writes landed since the last check, this is one load and one compile: bursts coalesce.
   */
  refresh(): void {
    try {
      if (this.source.version() === this.current.version) return;
      const started = performance.now();
      const data = this.source.load();
      const loaded = performance.now();
      const next = compileSnapshot(data, this.registry, this.env);
      this.current = next;
      this.log.info("configuration reloaded", {
        version: next.version,
        routes: next.router.size,
        load_ms: Math.round(loaded - started),
        compile_ms: Math.round(performance.now() - loaded),
      });
    } catch (error) {
      this.log.error("configuration reload failed; still serving the previous one", { error: String(error) });
    }
  }

  /**
   * Checks every `intervalMs`, counted from the end of the previous check (not setInterval): a
   * compile that takes longer than the interval still leaves a full interval to serve requests
   * before the next one, so a stream of Admin API writes cannot keep the event loop compiling.
   */
  watch(intervalMs: number): void {
    this.stopped = false;
    const tick = (): void => {
      this.refresh();
      if (this.stopped) return;
      this.timer = setTimeout(tick, intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
