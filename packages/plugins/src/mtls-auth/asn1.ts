/**
 * The few rules mtls-auth adds on top of pkijs/asn1js when it reads untrusted DER (certificates,
 * CRLs, OCSP answers). asn1js is a BER reader with depth, node and length limits; what it leaves
 * to the caller, and what BER and pkijs forgive, is refused here, so "cannot read" means "cannot
 * trust": anything but DER (indefinite or non-minimal lengths, a child running past its parent,
 * constructed strings), trailing bytes, BIT STRING signatures with unused bits, invalid dates.
 */
import * as asn1js from "asn1js";
import type * as pkijs from "pkijs";

export class Asn1Error extends Error {}

/** A pkijs class: constructed from an asn1js schema, throwing when the schema does not fit. */
type SchemaClass<T> = new (parameters: { schema: asn1js.AsnType }) => T;

/** UNIVERSAL string types (BIT STRING, OCTET STRING, the character strings): primitive in DER. */
const STRING_TAGS = new Set([3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30]);
const UNIVERSAL = 1;

/** The reason `block` (and what it contains) is not DER, or undefined when it is. */
function notDer(block: asn1js.AsnType): string | undefined {
  const { idBlock, lenBlock } = block;
  if (lenBlock.isIndefiniteForm) return "indefinite length";
  const minimal = lenBlock.length < 0x80 ? 1 : 1 + Math.ceil(lenBlock.length.toString(16).length / 2);
  if (lenBlock.blockLength !== minimal) return "non-minimal length";
  // asn1js lets a child run past the end its parent declared; the parent then spans more than it said.
  if (block.valueBeforeDecodeView.byteLength !== idBlock.blockLength + lenBlock.blockLength + lenBlock.length) return "element overruns its length";
  if (!idBlock.isConstructed) return undefined;
  if (idBlock.tagClass === UNIVERSAL && STRING_TAGS.has(idBlock.tagNumber)) return "constructed string";
  if (!(block instanceof asn1js.Constructed)) return "unexpected constructed element";
  for (const child of block.valueBlock.value) {
    const reason = notDer(child);
    if (reason) return reason;
  }
  return undefined;
}

/** Decodes one DER element that must fill `bytes` exactly. */
export function decodeElement(bytes: Uint8Array, what: string): asn1js.AsnType {
  // Embedded parsing would read the content of every OCTET/BIT STRING as ASN.1, which hashes and keys are not.
  const decoded = asn1js.fromBER(bytes, { parseEmbedded: false });
  if (decoded.offset === -1) throw new Asn1Error(`${what}: ${decoded.result.error || "malformed"}`);
  if (decoded.offset !== bytes.byteLength) throw new Asn1Error(`${what}: trailing bytes after the element`);
  const reason = notDer(decoded.result);
  if (reason) throw new Asn1Error(`${what}: not DER (${reason})`);
  return decoded.result;
}

/** Decodes `bytes` as a pkijs structure (Certificate, CertificateRevocationList, BasicConstraints…). */
export function decode<T>(type: SchemaClass<T>, bytes: Uint8Array, what: string): T {
  const element = decodeElement(bytes, what);
  try {
    return new type({ schema: element });
  } catch (error) {
    throw new Asn1Error(`${what}: ${(error as Error).message}`);
  }
}

export const toBuffer = (view: Uint8Array): Buffer => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

/** An INTEGER's magnitude as lower-case hex without leading zeros (serial numbers compare this way). */
export function integerHex(integer: asn1js.Integer): string {
  const hex = toBuffer(integer.valueBlock.valueHexView).toString("hex").replace(/^(00)+/, "");
  return hex === "" ? "0" : hex;
}

/** The octets of a BIT STRING that carries whole octets (keys, signatures). */
export function bitStringOctets(bits: asn1js.BitString, what: string): Buffer {
  if (bits.valueBlock.unusedBits !== 0) throw new Asn1Error(`${what}: unused bits`);
  return toBuffer(bits.valueBlock.valueHexView);
}

/** Epoch milliseconds of a pkijs Time (or a Date pkijs decoded). */
export function millis(time: pkijs.Time | Date, what: string): number {
  const value = (time instanceof Date ? time : time.value).getTime();
  if (Number.isNaN(value)) throw new Asn1Error(`${what}: invalid time`);
  return value;
}
