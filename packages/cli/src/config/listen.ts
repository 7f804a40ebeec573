/** One address of Kong's `*_listen` syntax: `host:port [ssl] [http2] [reuseport] …`. */
export interface ListenAddress {
  host: string;
  port: number;
  ssl: boolean;
  /** Kong's `proxy_protocol` flag: every connection starts with a PROXY protocol header (proxy_listen only). */
  proxyProtocol?: boolean;
  /** Kong's `http2` flag: on an `ssl` address ALPN offers h2 beside http/1.1; on a plain one h2c (prior knowledge) is taken too. */
  http2?: boolean;
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
    const proxyProtocol = flags.includes("proxy_protocol");
    if (proxyProtocol && key !== "proxy_listen") throw new ConfigError(`${key}: proxy_protocol is supported on proxy_listen only, in '${entry.trim()}'`);
    // Only the proxy serves HTTP/2; on admin_listen/status_listen the flag is accepted (Kong's defaults carry it) and HTTP/1.1 served.
    const http2 = key === "proxy_listen" && flags.includes("http2");
    return { host: m[1]!.replace(/^\[|\]$/g, ""), port, ssl: flags.includes("ssl"), ...(http2 ? { http2 } : {}), ...(proxyProtocol ? { proxyProtocol: true } : {}) };
  });
}

/** A listen address as Kong writes it (`127.0.0.1:8443 ssl proxy_protocol`). */
export function listenText(spec: ListenAddress, port = spec.port): string {
  return `${spec.host}:${port}${spec.ssl ? " ssl" : ""}${spec.http2 ? " http2" : ""}${spec.proxyProtocol ? " proxy_protocol" : ""}`;
}
