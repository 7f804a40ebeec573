/** One address of Kong's `*_listen` syntax: `host:port [ssl] [http2] [reuseport] …`. */
export interface ListenAddress {
  host: string;
  port: number;
  ssl: boolean;
}

export class ConfigError extends Error {}

/** Parses `0.0.0.0:8000, 0.0.0.0:8443 ssl`, `[::1]:8001`, or `off`. */
export function parseListen(key: string, value: string): ListenAddress[] {
  if (value.trim() === "off") return [];
  return value.split(",").map((entry) => {
    const [address, ...flags] = entry.trim().split(/\s+/);
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(address ?? "");
    const port = m ? Number(m[2]) : NaN;
    if (!m || port > 65535) throw new ConfigError(`${key}: invalid listen address '${entry.trim()}' (expected host:port [ssl])`);
    const unknown = flags.filter((f) => !["ssl", "http2", "reuseport", "deferred", "proxy_protocol"].includes(f) && !f.startsWith("backlog="));
    if (unknown.length) throw new ConfigError(`${key}: unknown flag '${unknown[0]}' in '${entry.trim()}'`);
    return { host: m[1]!.replace(/^\[|\]$/g, ""), port, ssl: flags.includes("ssl") };
  });
}
