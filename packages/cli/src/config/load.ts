import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { validEnvPrefix } from "@tether/core";
import { parseTrustedIps } from "@tether/proxy";
import type { DatabaseKind, PostgresSettings } from "@tether/store";
import { ConfigError, listenText, parseListen, type ListenAddress } from "./listen.ts";

/** Tether's configuration, Kong's property names in lower case (`admin_listen`, `proxy_listen`, …). */
export interface TetherConfig {
  prefix: string;
  admin_listen: ListenAddress[];
  proxy_listen: ListenAddress[];
  /** Kong's Status API address(es) (3.6+ default `127.0.0.1:8007`); empty when `off`. */
  status_listen: ListenAddress[];
  /** Kong's admin_gui_listen: Tether's own GUI (default `127.0.0.1:8002`, loopback like the Admin API); empty when `off`. */
  admin_gui_listen: ListenAddress[];
  /** Kong's admin_gui_url: the GUI's URLs as users open them; the Admin API lets only their origins read answers (docs/kong-manager.md). */
  admin_gui_url: string[];
  /** Kong's admin_gui_api_url: the Admin API's URL as the browser reaches it (default: the GUI's host, the first admin_listen port). */
  admin_gui_api_url: string | undefined;
  ssl_cert: string | undefined;
  ssl_cert_key: string | undefined;
  /** PEM files of CAs trusted for outbound TLS (discovery, JWKS, introspection). */
  trusted_certificate: string[];
  admin_token: string | undefined;
  /** How often (seconds) the proxy checks the store for a new configuration. */
  db_update_frequency: number;
  log_level: "debug" | "info" | "warn" | "error";
  workers: number;
  /**
   * Forwarding engine: `undici` (default: measured 1.95× http-proxy's requests/s on the TLS
   * pass-through, docs/benchmarks.md) or `http-proxy` (the design's first choice, kept selectable).
   */
  forwarder: "http-proxy" | "undici";
  /** Kong's trusted_ips: IPs/CIDR blocks whose X-Forwarded-* headers are believed (none by default). */
  trusted_ips: string[];
  /**
   * Kong's real_ip_header (default `X-Real-IP`): the request header a `trusted_ips` peer names the
   * client in, or `proxy_protocol` (the client a trusted load balancer names in the PROXY header
   * of a `proxy_listen … proxy_protocol` connection, spelled in lower case here whatever the input).
   */
  real_ip_header: string;
  /** Kong's real_ip_recursive (default off): walk the header past trusted addresses (nginx's realip). */
  real_ip_recursive: boolean;
  /** `sqlite` (embedded, the default), `postgres` (nodes sharing one database) or `off` (DB-less). */
  database: DatabaseKind;
  /** Kong's `pg_*` properties (used when database = postgres). */
  pg: PostgresSettings;
  /** DB-less: the declarative configuration file loaded at start. */
  declarative_config: string | undefined;
  /**
   * Kong's proxy_access_log: one JSON line per proxied request, to a file (absolute path; given
   * relative, under the prefix as in Kong), to `stdout`, or `off` — the default, unlike Kong's
   * `logs/access.log`: building and writing the line took ~15% of the proxy's busy CPU (profiled
   * on the pass-through path), which nginx's C access log does not cost Kong.
   */
  proxy_access_log: string;
  /** Kong's ssl_session_tickets (default on): TLS 1.2/1.3 session tickets (docs/tls-resumption.md). */
  ssl_session_tickets: boolean;
  /** Kong's ssl_session_timeout in seconds (default `1d`): ticket lifetime and ticket-key period. */
  ssl_session_timeout: number;
  /** Kong's vault_env_prefix: the env vault's default prefix for `{vault://env/...}` references. */
  vault_env_prefix: string | undefined;
}

const DEFAULTS: Record<string, string> = {
  prefix: "./data",
  admin_listen: "127.0.0.1:8001",
  proxy_listen: "0.0.0.0:8000, 0.0.0.0:8443 http2 ssl",
  status_listen: "127.0.0.1:8007",
  admin_gui_listen: "127.0.0.1:8002",
  db_update_frequency: "0.2",
  log_level: "info",
  workers: "1",
  forwarder: "undici",
  database: "sqlite",
  proxy_access_log: "off",
  ssl_session_tickets: "on",
  ssl_session_timeout: "1d",
  real_ip_header: "X-Real-IP",
  real_ip_recursive: "off",
  pg_host: "127.0.0.1",
  pg_port: "5432",
  pg_user: "tether",
  pg_database: "tether",
  pg_ssl: "off",
  pg_ssl_verify: "off",
  pg_timeout: "5000",
  pg_pool_size: "10",
};

const PG_KEYS = ["pg_host", "pg_port", "pg_user", "pg_password", "pg_database", "pg_schema", "pg_ssl", "pg_ssl_verify", "pg_timeout", "pg_pool_size"];
const KEYS = [
  "prefix", "admin_listen", "proxy_listen", "status_listen", "admin_gui_listen", "admin_gui_url", "admin_gui_api_url", "ssl_cert", "ssl_cert_key", "trusted_certificate", "admin_token", "db_update_frequency",
  "log_level", "workers", "forwarder", "trusted_ips", "real_ip_header", "real_ip_recursive", "database", "declarative_config", "proxy_access_log",
  "ssl_session_tickets", "ssl_session_timeout", "vault_env_prefix", ...PG_KEYS,
];

/** Kong's boolean property values. */
function flag(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === "on" || v === "true") return true;
  if (v === "off" || v === "false") return false;
  throw new ConfigError(`${key}: expected on or off, got '${value}'`);
}

const NGINX_TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** An nginx time (`1d`, `12h`, `300`, `300s`) in seconds, 1 s to 7 d (RFC 8446's longest ticket lifetime). */
function nginxSeconds(key: string, value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = m ? Number(m[1]) * NGINX_TIME_UNITS[m[2] || "s"]! : NaN;
  if (!(seconds >= 1 && seconds <= 7 * 86_400)) throw new ConfigError(`${key}: expected a time between 1s and 7d (e.g. 1d, 12h, 300s), got '${value}'`);
  return seconds;
}

/** vault_env_prefix as Kong's env vault schema accepts a prefix: a bad one is an error at start, not a secret silently missing. */
function envPrefix(value: string | undefined): string | undefined {
  const prefix = value?.trim();
  if (!prefix) return undefined;
  if (validEnvPrefix(prefix) === undefined) throw new ConfigError(`vault_env_prefix: expected letters, digits, _ or - (not starting with a digit), got '${prefix}'`);
  return prefix;
}

/** pg_schema goes into search_path and the NOTIFY channel's name: a plain lower-case identifier only. */
function schemaName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) throw new ConfigError(`pg_schema: expected a lower-case identifier (a-z, 0-9, _), got '${value}'`);
  return value;
}

function postgresSettings(raw: Record<string, string | undefined>, number: (key: string, min: number, max: number) => number, ca: string[]): PostgresSettings {
  const host = raw["pg_host"]?.trim() ?? "";
  if (!host) throw new ConfigError("pg_host: expected a host name or address, got ''");
  return {
    host,
    port: number("pg_port", 1, 65535),
    user: raw["pg_user"] ?? "tether",
    password: raw["pg_password"] || undefined,
    database: raw["pg_database"] || "tether",
    schema: schemaName(raw["pg_schema"]),
    ssl: flag("pg_ssl", raw["pg_ssl"]!),
    ssl_verify: flag("pg_ssl_verify", raw["pg_ssl_verify"]!),
    ca,
    timeout: number("pg_timeout", 1, 3_600_000),
    pool_size: number("pg_pool_size", 1, 10_000),
  };
}

/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Kong's real_ip_header: `proxy_protocol` (any case) or a header name, as nginx's realip takes it. */
function realIpSource(value: string): string {
  const v = value.trim();
  if (v.toLowerCase() === "proxy_protocol") return "proxy_protocol";
  if (!HEADER_NAME.test(v)) throw new ConfigError(`real_ip_header: expected a header name (e.g. X-Real-IP, X-Forwarded-For) or proxy_protocol, got '${value}'`);
  return v;
}

/** Kong's proxy_access_log: `off`, `stdout` (or `/dev/stdout`), or a file path, relative to the prefix as in Kong. */
function accessLogTarget(value: string, prefix: string): string {
  const v = value.trim();
  if (v === "off" || v === "stdout") return v;
  if (v === "/dev/stdout") return "stdout";
  if (!v || /\s/.test(v))
    throw new ConfigError(`proxy_access_log: expected a file path, stdout or off (Tether writes JSON lines: no nginx log format or parameters), got '${value}'`);
  return resolve(prefix, v);
}

/** An absolute http(s) URL (admin_gui_url entries, admin_gui_api_url), without its trailing slash. */
function httpUrl(key: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw new ConfigError(`${key}: expected an http(s) URL, got '${value}'`);
  return value.replace(/\/+$/, "");
}

/** `key = value` lines; `#` starts a comment (Kong's kong.conf syntax). */
export function parseConfFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const content = line.replace(/(^|\s)#.*$/, "").trim();
    if (!content) return;
    const m = /^([a-z_][a-z0-9_]*)\s*=\s*(.*)$/i.exec(content);
    if (!m) throw new ConfigError(`${file}:${i + 1}: expected 'key = value'`);
    const key = m[1]!.toLowerCase();
    if (!KEYS.includes(key)) throw new ConfigError(`${file}:${i + 1}: unknown property '${key}'`);
    out[key] = m[2]!.trim();
  });
  return out;
}

/**
 * Defaults, then `tether.conf` (TETHER_CONF names the file; ./tether.conf if present), then
 * TETHER_* environment variables: environment wins.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): TetherConfig {
  const confPath = env["TETHER_CONF"] ?? resolve(cwd, "tether.conf");
  if (env["TETHER_CONF"] && !existsSync(confPath)) throw new ConfigError(`TETHER_CONF: no such file '${confPath}'`);
  const file = existsSync(confPath) ? parseConfFile(readFileSync(confPath, "utf8"), confPath) : {};
  const raw: Record<string, string | undefined> = { ...DEFAULTS, ...file };
  for (const key of KEYS) {
    const value = env[`TETHER_${key.toUpperCase()}`];
    if (value !== undefined) raw[key] = value;
  }
  const number = (key: string, min: number, max: number, integer = true): number => {
    const value = Number(raw[key]);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      throw new ConfigError(`${key}: expected ${integer ? "an integer" : "a number"} between ${min} and ${max}, got '${raw[key]}'`);
    return value;
  };
  const logLevel = raw["log_level"]!;
  if (!["debug", "info", "warn", "error"].includes(logLevel))
    throw new ConfigError(`log_level: expected one of debug, info, warn, error, got '${logLevel}'`);
  const forwarder = raw["forwarder"]!;
  if (forwarder !== "http-proxy" && forwarder !== "undici") throw new ConfigError(`forwarder: expected http-proxy or undici, got '${forwarder}'`);
  const sslCert = raw["ssl_cert"] || undefined;
  const sslKey = raw["ssl_cert_key"] || undefined;
  if (Boolean(sslCert) !== Boolean(sslKey)) throw new ConfigError(`${sslCert ? "ssl_cert_key" : "ssl_cert"}: ssl_cert and ssl_cert_key must be set together`);
  const trusted = (raw["trusted_certificate"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const file of trusted) if (file !== "system" && !existsSync(file)) throw new ConfigError(`trusted_certificate: no such file '${file}'`);
  const trustedIps = (raw["trusted_ips"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  try {
    parseTrustedIps(trustedIps);
  } catch (error) {
    throw new ConfigError(`trusted_ips: ${(error as Error).message}`);
  }
  const realIpHeader = realIpSource(raw["real_ip_header"]!);
  const database = raw["database"]!;
  if (database !== "sqlite" && database !== "postgres" && database !== "off")
    throw new ConfigError(`database: expected sqlite, postgres or off, got '${database}'`);
  const declarative = raw["declarative_config"] || undefined;
  if (declarative && !existsSync(resolve(cwd, declarative))) throw new ConfigError(`declarative_config: no such file '${declarative}'`);
  const ca = trusted.filter((file) => file !== "system").map((file) => readFileSync(file, "utf8"));
  const accessLog = accessLogTarget(raw["proxy_access_log"]!, resolve(cwd, raw["prefix"]!));
  return {
    prefix: resolve(cwd, raw["prefix"]!),
    admin_listen: parseListen("admin_listen", raw["admin_listen"]!),
    proxy_listen: parseListen("proxy_listen", raw["proxy_listen"]!),
    status_listen: parseListen("status_listen", raw["status_listen"]!),
    admin_gui_listen: parseListen("admin_gui_listen", raw["admin_gui_listen"]!),
    admin_gui_url: (raw["admin_gui_url"] ?? "").split(",").map((s) => s.trim()).filter(Boolean).map((url) => httpUrl("admin_gui_url", url)),
    admin_gui_api_url: raw["admin_gui_api_url"]?.trim() ? httpUrl("admin_gui_api_url", raw["admin_gui_api_url"].trim()) : undefined,
    ssl_cert: sslCert,
    ssl_cert_key: sslKey,
    trusted_certificate: trusted,
    admin_token: raw["admin_token"] || undefined,
    db_update_frequency: number("db_update_frequency", 0.05, 60, false),
    log_level: logLevel as TetherConfig["log_level"],
    workers: number("workers", 1, 64, true),
    forwarder,
    trusted_ips: trustedIps,
    real_ip_header: realIpHeader,
    real_ip_recursive: flag("real_ip_recursive", raw["real_ip_recursive"]!),
    database,
    pg: postgresSettings(raw, number, ca),
    declarative_config: declarative && resolve(cwd, declarative),
    proxy_access_log: accessLog,
    ssl_session_tickets: flag("ssl_session_tickets", raw["ssl_session_tickets"]!),
    ssl_session_timeout: nginxSeconds("ssl_session_timeout", raw["ssl_session_timeout"]!),
    vault_env_prefix: envPrefix(raw["vault_env_prefix"]),
  };
}

/** The configuration as GET / shows it: secrets replaced, the pg_* properties under Kong's names. */
export function sanitizedConfig(config: TetherConfig): Record<string, unknown> {
  const { pg, ...rest } = config;
  return {
    ...rest,
    admin_token: config.admin_token ? "******" : null,
    ssl_cert_key: config.ssl_cert_key ? "******" : null,
    admin_listen: config.admin_listen.map((l) => listenText(l)),
    proxy_listen: config.proxy_listen.map((l) => listenText(l)),
    status_listen: config.status_listen.map((l) => listenText(l)),
    admin_gui_listen: config.admin_gui_listen.map((l) => listenText(l)),
    admin_gui_api_url: config.admin_gui_api_url ?? null,
    pg_host: pg.host,
    pg_port: pg.port,
    pg_user: pg.user,
    pg_password: pg.password ? "******" : null,
    pg_database: pg.database,
    pg_schema: pg.schema ?? null,
    pg_ssl: pg.ssl,
    pg_ssl_verify: pg.ssl_verify,
    pg_timeout: pg.timeout,
    pg_pool_size: pg.pool_size,
  };
}
