import type { ConfigData, Logger, PluginDefinition, PluginEnvironment } from "@tether/core";
import { compileSnapshot, type Snapshot } from "./compile.ts";

/** Where the proxy's configuration comes from: a store, or a file a DB-less primary writes. */
export interface ConfigSource {
  version(): Promise<number>;
  load(): Promise<ConfigData>;
  /** Calls back when the configuration may have changed (PostgreSQL NOTIFY), ahead of the next poll. */
  onChange?(listener: () => void): () => void;
}

export interface HolderOptions {
  /** The configuration to start with, already loaded (from the source, or a node's last applied copy). */
  initial: ConfigData;
  /** Called with each configuration once it is being enforced (a node keeps it under its prefix). */
  onApplied?: (data: ConfigData) => void;
}

/**
 * Holds the current snapshot and swaps it when the source's config version moves. Polling a
 * single integer is what lets N processes (workers, nodes) converge; a change notification only
 * makes the next check come sooner. While the source cannot be read, the last snapshot serves.
 */
export class SnapshotHolder {
  private current: Snapshot;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private again = false;
  private lastError: string | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly swapListeners: ((snapshot: Snapshot) => void)[] = [];

  constructor(
    private readonly source: ConfigSource,
    private readonly registry: ReadonlyMap<string, PluginDefinition>,
    private readonly env: PluginEnvironment,
    private readonly log: Logger,
    private readonly options: HolderOptions,
  ) {
    this.current = compileSnapshot(options.initial, registry, env);
    options.onApplied?.(options.initial);
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /** Calls back with each new snapshot as it starts serving (the forwarder retires unused pools). */
  onSwap(listener: (snapshot: Snapshot) => void): void {
    this.swapListeners.push(listener);
  }

  /**
   * Recompiles if the version moved; a failed load or compile keeps the old snapshot serving.
   * However many writes landed since the last check, this is one load and one compile: bursts
   * coalesce, and a call during a refresh makes one more pass after it, never a second one beside it.
   */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async refreshOnce(): Promise<void> {
    try {
      if ((await this.source.version()) === this.current.version) return this.recovered();
      const started = performance.now();
      const data = await this.source.load();
      const loaded = performance.now();
      const next = compileSnapshot(data, this.registry, this.env);
      this.current = next;
      for (const listener of this.swapListeners) listener(next);
      this.log.info("configuration reloaded", {
        version: next.version,
        routes: next.router.size,
        load_ms: Math.round(loaded - started),
        compile_ms: Math.round(performance.now() - loaded),
      });
      this.recovered();
      this.options.onApplied?.(data);
    } catch (error) {
      // Said once per cause, not on every poll of an outage.
      const message = String(error);
      if (message !== this.lastError) this.log.error("configuration reload failed; still serving the previous one", { error: message, version: this.current.version });
      this.lastError = message;
    }
  }

  private recovered(): void {
    if (this.lastError === undefined) return;
    this.lastError = undefined;
    this.log.info("configuration source reachable again", { version: this.current.version });
  }

  /**
   * Checks every `intervalMs`, counted from the end of the previous check (not setInterval): a
   * compile that takes longer than the interval still leaves a full interval to serve requests
   * before the next one, so a stream of Admin API writes cannot keep the event loop compiling.
   */
  watch(intervalMs: number): void {
    this.stopped = false;
    this.unsubscribe = this.source.onChange?.(() => void this.refresh());
    const tick = async (): Promise<void> => {
      await this.refresh();
      if (this.stopped) return;
      this.timer = setTimeout(tick, intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }
}
