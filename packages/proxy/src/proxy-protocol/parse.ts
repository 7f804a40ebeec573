/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) a layer-4 load
 * balancer writes before the client's bytes. Pure: given what has arrived so far, says whether
 * more is needed, the bytes are no PROXY header, or where the header ends and whom it names.
 */
import { isIPv4, isIPv6 } from "node:net";

/** The client the load balancer accepted (absent for `UNKNOWN`, `LOCAL` and non-IP families). */
export interface ProxySource {
  address: string;
  port: number;
}

export type ProxyHeaderResult =
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  /** `length`: the header's bytes; what follows belongs to the client's own protocol. */
  | { kind: "header"; length: number; source: ProxySource | undefined };

/** The spec's bound for a v1 line, CRLF included. */
export const MAX_V1_BYTES = 107;
const V1_PREFIX = Buffer.from("PROXY ", "latin1");
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;
/** Address block plus TLVs Tether accepts (the spec sizes buffers for 216; TLVs are skipped). */
export const MAX_V2_PAYLOAD_BYTES = 2048;

const invalid = (reason: string): ProxyHeaderResult => ({ kind: "invalid", reason });

/** True while `data` is still a prefix of `expected` (or starts with it). */
function startsLike(data: Buffer, expected: Buffer): boolean {
  const n = Math.min(data.length, expected.length);
  return data.subarray(0, n).equals(expected.subarray(0, n));
}

export function parseProxyHeader(data: Buffer): ProxyHeaderResult {
  if (data.length === 0) return { kind: "incomplete" };
  if (startsLike(data, V2_SIGNATURE)) return data.length < V2_SIGNATURE.length ? { kind: "incomplete" } : parseV2(data);
  if (startsLike(data, V1_PREFIX)) return data.length < V1_PREFIX.length ? { kind: "incomplete" } : parseV1(data);
  return invalid("no PROXY protocol signature");
}

/** An address as Node reports peers (IPv6 compressed, lower-case), so every reader compares alike. */
function canonical(address: string): string {
  return isIPv6(address) ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

function port(text: string): number | undefined {
  return /^(0|[1-9]\d{0,4})$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

function parseV1(data: Buffer): ProxyHeaderResult {
  const end = data.subarray(0, MAX_V1_BYTES).indexOf("\r\n", 0, "latin1");
  if (end === -1) return data.length >= MAX_V1_BYTES ? invalid("v1 header longer than 107 bytes") : { kind: "incomplete" };
  const length = end + 2;
  const fields = data.subarray(0, end).toString("latin1").split(" ");
  if (fields[1] === "UNKNOWN") return { kind: "header", length, source: undefined };
  if (fields.length !== 6) return invalid("v1 header needs protocol, two addresses and two ports");
  const [, protocol, source, destination, sourcePort, destinationPort] = fields as [string, string, string, string, string, string];
  const isFamily = protocol === "TCP4" ? isIPv4 : protocol === "TCP6" ? isIPv6 : undefined;
  if (!isFamily) return invalid(`v1 protocol '${protocol.slice(0, 16)}' is not TCP4, TCP6 or UNKNOWN`);
  if (!isFamily(source) || !isFamily(destination)) return invalid(`v1 addresses are not ${protocol} addresses`);
  const from = port(sourcePort);
  if (from === undefined || port(destinationPort) === undefined) return invalid("v1 ports must be 0-65535");
  return { kind: "header", length, source: { address: canonical(source), port: from } };
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return canonical(groups.join(":"));
}

function parseV2(data: Buffer): ProxyHeaderResult {
  if (data.length < V2_FIXED_BYTES) return { kind: "incomplete" };
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return invalid("v2 version must be 2");
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid("v2 command must be LOCAL or PROXY");
  const payload = data.readUInt16BE(14);
  if (payload > MAX_V2_PAYLOAD_BYTES) return invalid(`v2 header longer than ${MAX_V2_PAYLOAD_BYTES} bytes`);
  const length = V2_FIXED_BYTES + payload;
  if (data.length < length) return { kind: "incomplete" };
  // LOCAL: the balancer's own connection (a health check); the peer is who it is.
  if (command === 0) return { kind: "header", length, source: undefined };
  const family = data[13]! >> 4;
  const block = data.subarray(V2_FIXED_BYTES, length);
  if (family === 1) {
    if (block.length < 12) return invalid("v2 IPv4 address block is too short");
    return { kind: "header", length, source: { address: [...block.subarray(0, 4)].join("."), port: block.readUInt16BE(8) } };
  }
  if (family === 2) {
    if (block.length < 36) return invalid("v2 IPv6 address block is too short");
    return { kind: "header", length, source: { address: ipv6(block.subarray(0, 16)), port: block.readUInt16BE(32) } };
  }
  // UNSPEC or UNIX: a valid header without an IP client to report.
  if (family === 0 || family === 3) return { kind: "header", length, source: undefined };
  return invalid("v2 address family is unknown");
}
