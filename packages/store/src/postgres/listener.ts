import pg from "pg";
import type { Logger } from "@tether/core";
import { clientConfig, describePostgresError } from "./database.ts";
import type { PostgresSettings } from "./settings.ts";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * A dedicated connection that LISTENs on the installation's channel and calls `onChange` for every
 * NOTIFY. When it breaks (server down, network) it reconnects with a growing pause; once back it
 * calls `onChange` as well, since notifications sent meanwhile were lost: the caller then compares
 * versions and catches up.
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private retryMs = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connectedOnce = false;

  constructor(
    private readonly settings: PostgresSettings,
    private readonly channel: string,
    private readonly onChange: () => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(clientConfig(this.settings));
    this.client = client;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed || this.stopped) return;
      failed = true;
      client.removeAllListeners("notification");
      client.end().catch(() => undefined);
      this.log.warn("configuration change listener lost its connection; retrying", { error: describePostgresError(error, this.settings), retry_ms: this.retryMs });
      this.timer = setTimeout(() => void this.connect(), this.retryMs);
      this.timer.unref();
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
    client.on("error", fail);
    client.on("end", () => fail(new Error("connection ended")));
    client.on("notification", () => this.onChange());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      fail(error as Error);
      return;
    }
    if (this.connectedOnce) this.log.info("configuration change listener reconnected");
    this.connectedOnce = true;
    this.retryMs = RETRY_MIN_MS;
    this.onChange(); // whatever was notified while we were away
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }
}
