/**
 * Kong's `wildcard_host` validator (kong/db/schema/typedefs.lua), which SNI names go through:
 * at most one `*`, as the first or last character; otherwise a hostname without port, not an IP.
 * The messages are Kong's, including `invalid value: <name>` quoting the name with its `*`
 * replaced by "wildcard", as Kong's validator does before checking the rest.
 */
import { isIPv4, isIPv6 } from "node:net";

type Normalized = { kind: "name" | "ip"; port: number | undefined } | { error: string };

const INVALID_PORT = "invalid port number";

/** utils.check_hostname: LDH-and-underscore labels, no empty label but a trailing one, no label ending in `-`. */
function checkHostname(address: string): Normalized {
  let name = address;
  const portText = /:(\d+)$/.exec(address)?.[1];
  let port: number | undefined;
  if (portText !== undefined) {
    name = name.slice(0, -(portText.length + 1));
    port = Number(portText);
    if (port > 65535) return { error: INVALID_PORT };
  }
  if (!/^[0-9A-Za-z._-]+$/.test(name)) return { error: `invalid hostname: ${address}` };
  const labels = name.split(".");
  const bad = labels.some((label, i) => label.endsWith("-") || (label === "" && i !== labels.length - 1));
  return bad ? { error: `invalid hostname: ${address}` } : { kind: "name", port };
}

function checkIpv4(address: string): Normalized {
  const m = /^(\d+\.\d+\.\d+\.\d+):?(\d*)$/.exec(address);
  if (!m || !isIPv4(m[1]!)) return { error: `invalid ipv4 address: ${address}` };
  const port = m[2] ? Number(m[2]) : undefined;
  return port !== undefined && port > 65535 ? { error: INVALID_PORT } : { kind: "ip", port };
}

function checkIpv6(address: string): Normalized {
  const m = /^\[(.+)\](?::(\d+))?$/.exec(address);
  const ip = m ? m[1]! : address;
  if (!isIPv6(ip)) return { error: `invalid ipv6 address: ${address}` };
  const port = m?.[2] ? Number(m[2]) : undefined;
  return port !== undefined && port > 65535 ? { error: INVALID_PORT } : { kind: "ip", port };
}

/** utils.normalize_ip: the kind is decided by the characters alone, then checked. */
function normalizeIp(address: string): Normalized {
  if (address.split(":").length - 1 > 1) return checkIpv6(address);
  if (/^[\d.]+$/.test(address.replaceAll(":", ""))) return checkIpv4(address);
  return checkHostname(address);
}

/** The reason an SNI name is refused, in Kong's words, or undefined when it is valid. */
export function sniNameError(name: string): string | undefined {
  const star = name.indexOf("*");
  let host = name;
  if (star !== -1) {
    if (star !== 0 && star !== name.length - 1) return "wildcard must be leftmost or rightmost character";
    if (name.split("*").length - 1 > 1) return "only one wildcard must be specified";
    host = name.replaceAll("*", "wildcard");
  }
  const normalized = normalizeIp(host);
  if ("error" in normalized) return normalized.error === INVALID_PORT ? "must not have a port" : `invalid value: ${host}`;
  if (normalized.kind !== "name") return "must not be an IP";
  if (normalized.port !== undefined) return "must not have a port";
  return undefined;
}
