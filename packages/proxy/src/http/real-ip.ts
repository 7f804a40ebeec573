import { isIPv4, isIPv6, SocketAddress } from "node:net";
import type { TrustedIps } from "./trusted-ips.ts";

/**
 * Kong's `real_ip_header` / `real_ip_recursive`, which Kong hands to nginx's realip module with
 * `set_real_ip_from` = `trusted_ips` (kong/templates/nginx_kong.lua). Defaults as Kong's.
 */
export interface RealIpSettings {
  /** A request header name (any case), or `proxy_protocol`. */
  header: string;
  recursive: boolean;
}

export const KONG_REAL_IP: RealIpSettings = { header: "X-Real-IP", recursive: false };

/** Who a request comes from, decided once per request. */
export interface ClientAddress {
  /** nginx's `$remote_addr` after realip: X-Real-IP upstream and the log entry's `client_ip`. */
  address: string;
  /**
   * nginx's `$realip_remote_addr`, the connecting peer (or the client a PROXY header named:
   * docs/proxy.md): appended to an incoming X-Forwarded-For and the address trust is decided on.
   */
  peer: string;
  /** `peer` is in trusted_ips (Kong's `kong.ip.is_trusted(realip_remote_addr)`). */
  trusted: boolean;
}

export interface RealIpInput {
  /** The TCP peer. */
  peer: string;
  /** The client a trusted load balancer named in a PROXY header, when `real_ip_header = proxy_protocol`. */
  proxied: string | undefined;
  /** The request's header lines as received (`req.rawHeaders`). */
  rawHeaders: readonly string[];
  trusted: TrustedIps;
  settings: RealIpSettings;
}

/**
 * nginx's realip for one request. Only a trusted peer's header is read; non-recursive takes the
 * header's last address, recursive walks it from the right past trusted addresses and takes the
 * first untrusted one (the leftmost when all are trusted). An address that does not parse ends
 * the walk, keeping what was decided so far (ngx_http_get_forwarded_addr).
 */
export function realClientAddress(input: RealIpInput): ClientAddress {
  const peer = input.proxied ?? input.peer;
  const trusted = input.trusted(peer);
  const header = input.settings.header.toLowerCase();
  if (!trusted || header === "proxy_protocol") return { address: peer, peer, trusted };
  const value = headerValue(input.rawHeaders, header);
  const address = value === undefined ? peer : forwardedAddress(peer, value, input.trusted, input.settings.recursive);
  return { address, peer, trusted };
}

/**
 * The header's value as nginx's realip reads it: every X-Forwarded-For line, in order, as one
 * list; for any other header, its first line.
 */
function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  let joined: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== name) continue;
    const value = rawHeaders[i + 1]!;
    if (name !== "x-forwarded-for") return value;
    joined = joined === undefined ? value : `${joined}, ${value}`;
  }
  return joined;
}

const isSeparator = (c: string | undefined): boolean => c === " " || c === ",";

function forwardedAddress(peer: string, list: string, trusted: TrustedIps, recursive: boolean): string {
  let address = peer;
  let end = list.length;
  do {
    if (!trusted(address)) return address;
    while (end > 0 && isSeparator(list[end - 1])) end--;
    let start = end;
    while (start > 0 && !isSeparator(list[start - 1])) start--;
    const parsed = parseAddressPort(list.slice(start, end));
    if (parsed === undefined) return address;
    address = parsed;
    end = start;
  } while (recursive && end > 0);
  return address;
}

/**
 * An address as nginx's ngx_parse_addr_port takes it — `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`,
 * `[2001:db8::1]:80` (the port is dropped) — printed as nginx prints it (`2001:db8::1`,
 * `::ffff:1.2.3.4`); undefined for anything else (a name, a zone id, `[::1]` without a port).
 */
export function parseAddressPort(text: string): string | undefined {
  const bare = canonical(text);
  if (bare !== undefined) return bare;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return canonical(m[1] ?? m[2]!);
}

function canonical(address: string): string | undefined {
  if (isIPv4(address)) return address;
  if (!isIPv6(address) || address.includes("%")) return undefined;
  return new SocketAddress({ address, family: "ipv6" }).address;
}
