/** Kong's `pg_*` properties, as Tether reads them. */
export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** Unset: the server's search_path. */
  schema: string | undefined;
  ssl: boolean;
  ssl_verify: boolean;
  /** PEM text of the CAs `ssl_verify` trusts (Kong's lua_ssl_trusted_certificate); system CAs when empty. */
  ca: string[];
  /** Connect, query and lock timeout, in ms. */
  timeout: number;
  /** Connections in this process's pool. */
  pool_size: number;
}

/** Where a node's settings point, for messages: never the password. */
export function describe(settings: PostgresSettings): string {
  return `${settings.user}@${settings.host}:${settings.port}/${settings.database}${settings.schema ? ` (schema ${settings.schema})` : ""}`;
}
