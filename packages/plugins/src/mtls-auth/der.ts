/**
 * A minimal DER reader and writer: just what X.509 certificates, CRLs and OCSP messages need.
 *
 * Node parses certificates (X509Certificate) but exposes neither CRL distribution points, basic
 * constraints' path length, nor CRLs and OCSP at all; these few TLV helpers fill that gap without
 * a dependency. Every reader throws `DerError` on malformed input, so callers treat "cannot read"
 * as "cannot trust".
 */

export class DerError extends Error {}

/** One TLV. `raw` is the whole element (tag + length + content), `content` its value bytes. */
export interface Tlv {
  /** The identifier octet as on the wire (e.g. 0x30 SEQUENCE, 0xa0 [0] constructed). */
  readonly tag: number;
  readonly raw: Buffer;
  readonly content: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

/** Context-specific tag number n: constructed ([n] EXPLICIT, or IMPLICIT of a constructed type) or primitive. */
export const context = (n: number, constructed: boolean): number => (constructed ? 0xa0 : 0x80) | n;

/** Reads the element starting at `offset`. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new DerError("truncated element");
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used in X.509");
  let length = buf[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new DerError("unsupported length encoding");
    if (offset + 2 + octets > buf.length) throw new DerError("truncated length");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[offset + 2 + i]!;
    header += octets;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new DerError("element runs past its container");
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** The elements inside a constructed element (SEQUENCE, SET, [n] EXPLICIT…). */
export function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = 0; offset < tlv.content.length; ) {
    const child = readTlv(tlv.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** Reads a whole buffer as one element; trailing bytes are an error (DER is exact). */
export function readOne(buf: Buffer): Tlv {
  const tlv = readTlv(buf, 0);
  if (tlv.raw.length !== buf.length) throw new DerError("trailing bytes after the element");
  return tlv;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

/** Dotted-decimal form of an OBJECT IDENTIFIER. */
export function oidToString(tlv: Tlv): string {
  const bytes = expectTag(tlv, TAG.OID, "an OID").content;
  if (bytes.length === 0) throw new DerError("empty OID");
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}

/** An INTEGER's magnitude as lower-case hex without leading zeros (serial numbers compare this way). */
export function integerHex(tlv: Tlv): string {
  const hex = expectTag(tlv, TAG.INTEGER, "an INTEGER").content.toString("hex").replace(/^(00)+/, "");
  return hex === "" ? "0" : hex;
}

/** A small non-negative INTEGER (versions, path lengths). */
export function smallInteger(tlv: Tlv): number {
  const bytes = expectTag(tlv, TAG.INTEGER, "an INTEGER").content;
  if (bytes.length === 0 || bytes.length > 4 || bytes[0]! & 0x80) throw new DerError("integer out of range");
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

/** The bits of a BIT STRING (the unused-bits octet dropped; X.509 keys and signatures use whole octets). */
export function bitStringBytes(tlv: Tlv): Buffer {
  const content = expectTag(tlv, TAG.BIT_STRING, "a BIT STRING").content;
  if (content.length === 0) throw new DerError("empty BIT STRING");
  return content.subarray(1);
}

/** UTCTime / GeneralizedTime (Z form, as RFC 5280 requires) to epoch milliseconds. */
export function timeToMillis(tlv: Tlv): number {
  const text = tlv.content.toString("latin1");
  let m: RegExpExecArray | null;
  if (tlv.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1]);
    // RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
    return Date.UTC(yy >= 50 ? 1900 + yy : 2000 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  if (tlv.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text))) {
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  throw new DerError("unsupported time encoding");
}

// ---- writing (OCSP requests only) ----

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encode(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const bytes: number[] = [];
  const push = (value: number): void => {
    const group: number[] = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) group.unshift((v & 0x7f) | 0x80);
    bytes.push(...group);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return encode(TAG.OID, Buffer.from(bytes));
}
