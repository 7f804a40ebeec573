import { isIPv4, isIPv6 } from "node:net";

/**
 * Kong's `trusted_ips`: the peers whose `X-Forwarded-*` headers are believed (reference 2.7).
 * Every address is compared as 16 bytes (IPv4 as `::ffff:a.b.c.d`), so `127.0.0.1/8` also matches
 * the `::ffff:127.0.0.1` a dual-stack listener reports for an IPv4 client.
 */
export type TrustedIps = (address: string | undefined) => boolean;

interface Block {
  bytes: Uint8Array;
  prefix: number;
}

export class TrustedIpsError extends Error {}

/** 16 bytes of an IPv4 or IPv6 address, or undefined when `text` is neither. */
export function addressBytes(text: string): Uint8Array | undefined {
  const address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (isIPv4(address)) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    address.split(".").forEach((part, i) => (out[12 + i] = Number(part)));
    return out;
  }
  if (!isIPv6(address)) return undefined;
  const bare = address.replace(/%.*$/, ""); // a zone id (`fe80::1%eth0`) does not change the address
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes two 16-bit groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(bare);
  const hex = tail
    ? `${bare.slice(0, tail.index)}${((Number(tail[1]) << 8) | Number(tail[2])).toString(16)}:${((Number(tail[3]) << 8) | Number(tail[4])).toString(16)}`
    : bare;
  const [head, rest] = hex.split("::") as [string, string | undefined];
  const headGroups = head ? head.split(":") : [];
  const restGroups = rest === undefined ? [] : rest ? rest.split(":") : [];
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill("0"), ...restGroups];
  const out = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    out[i * 2] = value >> 8;
    out[i * 2 + 1] = value & 0xff;
  });
  return out;
}

function parseBlock(entry: string): Block {
  const [address, bits, extra] = entry.split("/");
  const bytes = addressBytes(address ?? "");
  if (!bytes || extra !== undefined) throw new TrustedIpsError(`invalid IP address or CIDR block '${entry}'`);
  const v4 = isIPv4(address!);
  const max = v4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) throw new TrustedIpsError(`invalid prefix length in '${entry}'`);
  const length = bits === undefined ? max : Number(bits);
  if (length > max) throw new TrustedIpsError(`prefix length ${length} is too long for '${address}'`);
  return { bytes, prefix: v4 ? length + 96 : length };
}

function inBlock(bytes: Uint8Array, block: Block): boolean {
  const whole = block.prefix >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== block.bytes[i]) return false;
  const bits = block.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((bytes[whole]! ^ block.bytes[whole]!) & mask) === 0;
}

/** Parses Kong's syntax (`10.0.0.0/8, 192.168.1.7, ::1, 0.0.0.0/0,::/0`); throws on a bad entry. */
export function parseTrustedIps(entries: readonly string[]): Block[] {
  return entries.map((e) => e.trim()).filter(Boolean).map((entry) => {
    if (entry.startsWith("unix:")) throw new TrustedIpsError(`'${entry}': Tether listens on TCP only, unix: sockets are not supported`);
    return parseBlock(entry);
  });
}

/**
 * The matcher the proxy asks once per request. An empty list (Kong's default) trusts no one, and
 * `0.0.0.0/0` alone trusts every IPv4 peer, including those a dual-stack listener reports mapped.
 */
export function trustedIpsMatcher(entries: readonly string[]): TrustedIps {
  const blocks = parseTrustedIps(entries);
  if (blocks.length === 0) return () => false;
  return (address) => {
    if (!address) return false;
    const bytes = addressBytes(address);
    return bytes !== undefined && blocks.some((block) => inBlock(bytes, block));
  };
}
