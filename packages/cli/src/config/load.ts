import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseTrustedIps } from "@tether/proxy";
import { ConfigError, parseListen, type ListenAddress } from "./listen.ts";

/** Tether's configuration, Kong's property names in lower case (`admin_listen`, `proxy_listen`, …). */
export interface TetherConfig {
  prefix: string;
  admin_listen: ListenAddress[];
  proxy_listen: ListenAddress[];
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
}

const DEFAULTS: Record<string, string> = {
  prefix: "./data",
  admin_listen: "127.0.0.1:8001",
  proxy_listen: "0.0.0.0:8000, 0.0.0.0:8443 ssl",
  db_update_frequency: "0.2",
  log_level: "info",
  workers: "1",
  forwarder: "undici",
};

const KEYS = ["prefix", "admin_listen", "proxy_listen", "ssl_cert", "ssl_cert_key", "trusted_certificate", "admin_token", "db_update_frequency", "log_level", "workers", "forwarder", "trusted_ips"];

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
  const number = (key: string, min: number, max: number, integer: boolean): number => {
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
  return {
    prefix: resolve(cwd, raw["prefix"]!),
    admin_listen: parseListen("admin_listen", raw["admin_listen"]!),
    proxy_listen: parseListen("proxy_listen", raw["proxy_listen"]!),
    ssl_cert: sslCert,
    ssl_cert_key: sslKey,
    trusted_certificate: trusted,
    admin_token: raw["admin_token"] || undefined,
    db_update_frequency: number("db_update_frequency", 0.05, 60, false),
    log_level: logLevel as TetherConfig["log_level"],
    workers: number("workers", 1, 64, true),
    forwarder,
    trusted_ips: trustedIps,
  };
}

/** The configuration as GET / shows it: secrets replaced. */
export function sanitizedConfig(config: TetherConfig): Record<string, unknown> {
  return {
    ...config,
    admin_token: config.admin_token ? "******" : null,
    ssl_cert_key: config.ssl_cert_key ? "******" : null,
    admin_listen: config.admin_listen.map((l) => `${l.host}:${l.port}${l.ssl ? " ssl" : ""}`),
    proxy_listen: config.proxy_listen.map((l) => `${l.host}:${l.port}${l.ssl ? " ssl" : ""}`),
  };
}
