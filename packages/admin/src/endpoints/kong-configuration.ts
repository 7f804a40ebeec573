/**
 * `configuration` in `GET /` as Kong shows it: the properties as started, plus what Kong's
 * conf_loader derives from them and Kong Manager reads (the overview's ports come from
 * `proxy_listeners` and `admin_gui_listeners`, hybrid mode from `role`, the route form from
 * `router_flavor`).
 */

/** One parsed `*_listen` address (kong/conf_loader/listeners.lua `parse_listeners`). */
export interface KongListener {
  ip: string;
  port: number;
  ssl: boolean;
  http2: boolean;
  proxy_protocol: boolean;
  deferred: boolean;
  bind: boolean;
  reuseport: boolean;
  /** The address as nginx is given it: `ip:port` and the flags set. */
  listener: string;
}

/** Listen flags Kong reports as booleans; Tether accepts `deferred`, `bind` and `reuseport` and does without them. */
const FLAGS = ["ssl", "http2", "proxy_protocol", "deferred", "bind", "reuseport"] as const;
type Flag = (typeof FLAGS)[number];

/** A listen address the configuration holds as Tether's structured form (`proxyProtocol` spelled the TypeScript way). */
interface ListenObject {
  host: string;
  port: number;
  ssl?: boolean;
  http2?: boolean;
  proxyProtocol?: boolean;
}

const isListenObject = (value: unknown): value is ListenObject =>
  typeof value === "object" && value !== null && typeof (value as ListenObject).host === "string" && typeof (value as ListenObject).port === "number";

/** nginx takes an IPv6 address in brackets; Kong's listener `ip` carries them. */
const bracketed = (host: string): string => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);

function listener(ip: string, port: number, set: ReadonlySet<string>): KongListener {
  const flags = Object.fromEntries(FLAGS.map((flag) => [flag, set.has(flag)])) as Record<Flag, boolean>;
  // Kong leaves http2 out of `listener` (nginx 1.25 takes it as its own directive).
  const shown = FLAGS.filter((flag) => flag !== "http2" && set.has(flag));
  return { ip, port, ...flags, listener: [`${ip}:${port}`, ...shown].join(" ") };
}

/** One address, as text (`127.0.0.1:8443 ssl http2`) or as Tether's parsed form; undefined when it is neither. */
export function kongListener(entry: unknown): KongListener | undefined {
  if (isListenObject(entry)) {
    const set = new Set([entry.ssl && "ssl", entry.http2 && "http2", entry.proxyProtocol && "proxy_protocol"].filter((f): f is string => Boolean(f)));
    return listener(bracketed(entry.host), entry.port, set);
  }
  if (typeof entry !== "string") return undefined;
  const [address = "", ...flags] = entry.trim().split(/\s+/);
  const m = /^(.+):(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  return listener(bracketed(m[1]!), Number(m[2]), new Set(flags));
}

/** A comma-separated property (Kong's `typ = "array"`) as a list, whether given as text or as a list already. */
const listOf = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : [];

/** A `*_listen` property as text (as configured; none when `off`) and its parsed `*_listeners`. */
export function listenersOf(value: unknown): { listen: string[]; listeners: KongListener[] } {
  const listen: string[] = [];
  const listeners: KongListener[] = [];
  for (const entry of listOf(value)) {
    const parsed = kongListener(entry);
    if (!parsed) continue;
    listen.push(typeof entry === "string" ? entry.trim() : parsed.listener);
    listeners.push(parsed);
  }
  return { listen, listeners };
}

/** Kong's CONF_SENSITIVE (kong/conf_loader/constants.lua) and Tether's admin_token: shown as `******` when set. */
const SENSITIVE = [
  "admin_token",
  "pg_password",
  "pg_ro_password",
  "proxy_server",
  "declarative_config_string",
  "cluster_cert_key",
  "ssl_cert_key",
  "client_ssl_cert_key",
  "admin_ssl_cert_key",
  "admin_gui_ssl_cert_key",
  "status_ssl_cert_key",
  "debug_ssl_cert_key",
];
const PLACEHOLDER = "******";

const LISTEN_PROPERTIES = ["proxy_listen", "admin_listen", "admin_gui_listen", "status_listen"] as const;

/**
 * The configuration as `GET /` shows it. Secrets are replaced again here, whatever the caller
 * removed: a property added to the configuration later cannot leak through this endpoint.
 */
export function kongConfiguration(configuration: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const shown: Record<string, unknown> = {
    role: "traditional",
    // The router Tether implements (packages/proxy/src/router); Kong Manager's route form offers
    // the expressions editor only for `expressions`.
    router_flavor: "traditional_compatible",
    admin_gui_path: "/",
    ...configuration,
    admin_gui_url: listOf(configuration["admin_gui_url"]),
  };
  for (const key of SENSITIVE) if (shown[key] !== undefined && shown[key] !== null) shown[key] = PLACEHOLDER;
  for (const key of LISTEN_PROPERTIES) {
    if (shown[key] === undefined) {
      shown[`${key}ers`] = []; // no GUI served (admin_gui_listen arrives with Tether's GUI)
      continue;
    }
    const { listen, listeners } = listenersOf(shown[key]);
    shown[key] = listen;
    shown[`${key}ers`] = listeners;
  }
  return shown;
}
