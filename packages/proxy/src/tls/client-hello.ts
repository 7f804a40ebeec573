/**
 * A pure, allocation-light parser for the start of a TLS connection: it finds the ClientHello
 * and its server_name (SNI, RFC 6066 §3) so the SNI front (`sni-front.ts`) can decide, before
 * any TLS server sees the bytes, whether the handshake should carry a CertificateRequest.
 *
 * It never throws: every length read from the wire is bounds-checked, and anything that is not
 * a well-formed ClientHello ends as `{ kind: "hello", serverName: undefined }` (the TLS server
 * that gets the bytes next rejects it with a proper alert), or as `not-tls` when the very first
 * byte already says it is not a TLS handshake record.
 *
 * A ClientHello split over several TLS records (legal, RFC 8446 §5.1; post-quantum key shares
 * make hellos large) is reassembled, up to MAX_HANDSHAKE_BODY bytes and MAX_RECORDS records.
 */

export type ClientHelloResult =
  | { kind: "incomplete" }
  | { kind: "not-tls" }
  | { kind: "hello"; serverName: string | undefined };

const CONTENT_TYPE_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const RECORD_HEADER_LENGTH = 5;
const HANDSHAKE_HEADER_LENGTH = 4;
/** TLSPlaintext.length MUST NOT exceed 2^14 (RFC 8446 §5.1); a larger one is not TLS we accept. */
const MAX_RECORD_FRAGMENT = 16_384;
/** Cap on the reassembled ClientHello body: real ones are < 2 KiB, 16 KiB leaves ample room. */
export const MAX_HANDSHAKE_BODY = 16_384;
/**
 * A 16 KiB hello needs two full records; more than a handful means someone is feeding us tiny
 * fragments to make us buffer and re-scan, so give up and let the TLS server decide.
 */
const MAX_RECORDS = 16;
/**
 * Strict upper bound on the length of a buffer the parser calls incomplete (the front's guard):
 * the records before the unfinished one carry less than the whole message, and the unfinished
 * one is at most a header plus MAX_RECORD_FRAGMENT.
 */
export const MAX_CLIENT_HELLO_WIRE_BYTES =
  MAX_RECORDS * RECORD_HEADER_LENGTH + (HANDSHAKE_HEADER_LENGTH + MAX_HANDSHAKE_BODY - 1) + MAX_RECORD_FRAGMENT;

const EXTENSION_SERVER_NAME = 0x0000;
const EXTENSION_SIGNATURE_ALGORITHMS = 0x000d;
const NAME_TYPE_HOST_NAME = 0x00;
/** LDH labels (plus "_", which some internal names use), A-labels for IDNs: what SNI may carry. */
const HOST_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

const INCOMPLETE: ClientHelloResult = { kind: "incomplete" };
const NOT_TLS: ClientHelloResult = { kind: "not-tls" };
const MALFORMED: ClientHelloResult = { kind: "hello", serverName: undefined };

export function parseClientHello(buf: Buffer): ClientHelloResult {
  const message = reassemble(buf);
  if (!Buffer.isBuffer(message)) return message;
  return { kind: "hello", serverName: serverNameOfBody(message) };
}

/**
 * The signature_algorithms of a complete ClientHello (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1): the
 * SignatureScheme codes in the client's order of preference, or undefined when the hello is not
 * complete and well-formed or carries no such extension (TLS 1.2 then assumes RSA with SHA-1).
 * The proxy reads it to choose between a certificate and its `cert_alt`.
 */
export function signatureSchemesOf(buf: Buffer): number[] | undefined {
  const message = reassemble(buf);
  if (!Buffer.isBuffer(message)) return undefined;
  const data = extensionOf(message, EXTENSION_SIGNATURE_ALGORITHMS);
  if (data === undefined || data.length < 2) return undefined;
  const listEnd = 2 + data.readUInt16BE(0);
  if (listEnd !== data.length || listEnd % 2 !== 0) return undefined;
  const schemes: number[] = [];
  for (let p = 2; p < listEnd; p += 2) schemes.push(data.readUInt16BE(p));
  return schemes;
}

/**
 * The ClientHello body (after its 4-byte handshake header), reassembled from its records, or
 * what the parse says instead (incomplete, not TLS, malformed).
 */
function reassemble(buf: Buffer): Buffer | ClientHelloResult {
  if (buf.length === 0) return INCOMPLETE;
  if (buf[0] !== CONTENT_TYPE_HANDSHAKE) return NOT_TLS;

  const fragments: Buffer[] = [];
  let have = 0;
  /** Total handshake bytes (header + body) once the 4-byte header has been seen. */
  let need: number | undefined;
  let offset = 0;

  for (let record = 0; record < MAX_RECORDS; record++) {
    // Judge the header bytes we already have, so garbage is refused without waiting for more.
    const available = buf.length - offset;
    if (available >= 1 && buf[offset] !== CONTENT_TYPE_HANDSHAKE) return MALFORMED;
    if (available >= 2 && buf[offset + 1] !== 0x03) return MALFORMED;
    if (available < RECORD_HEADER_LENGTH) return INCOMPLETE;

    const length = buf.readUInt16BE(offset + 3);
    // Zero-length handshake fragments are forbidden (RFC 8446 §5.1) and would let a peer spin us.
    if (length === 0 || length > MAX_RECORD_FRAGMENT) return MALFORMED;
    const start = offset + RECORD_HEADER_LENGTH;
    const end = start + length;
    if (buf.length < end) return INCOMPLETE;

    fragments.push(buf.subarray(start, end));
    have += length;
    offset = end;

    if (need === undefined && have >= HANDSHAKE_HEADER_LENGTH) {
      const head = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return MALFORMED;
      const bodyLength = head.readUIntBE(1, 3);
      if (bodyLength > MAX_HANDSHAKE_BODY) return MALFORMED;
      need = HANDSHAKE_HEADER_LENGTH + bodyLength;
    }
    if (need !== undefined && have >= need) {
      const message = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
      // Bytes after the ClientHello in the same record are not ours to judge.
      return message.subarray(HANDSHAKE_HEADER_LENGTH, need);
    }
  }
  return MALFORMED;
}

function serverNameOfBody(body: Buffer): string | undefined {
  const data = extensionOf(body, EXTENSION_SERVER_NAME);
  return data === undefined ? undefined : hostNameOf(data);
}

/**
 * The data of the first extension of this type in a ClientHello body, if the body is well-formed.
 * ClientHello body (RFC 8446 §4.1.2; same prefix in TLS 1.0–1.2):
 * legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 * compression_methods<1..2^8-1> [extensions<0..2^16-1>]
 */
function extensionOf(body: Buffer, wanted: number): Buffer | undefined {
  let p = 2 + 32;
  if (body.length < p + 1) return undefined;
  const sessionIdLength = body[p]!;
  if (sessionIdLength > 32) return undefined;
  p += 1 + sessionIdLength;
  if (body.length < p + 2) return undefined;
  p += 2 + body.readUInt16BE(p); // cipher_suites
  if (body.length < p + 1) return undefined;
  p += 1 + body[p]!; // compression_methods
  if (body.length === p) return undefined; // no extensions at all (pre-TLS 1.2 style hello)
  if (body.length < p + 2) return undefined;
  const extensionsEnd = p + 2 + body.readUInt16BE(p);
  p += 2;
  // The extensions fill the rest of the hello exactly; anything else is a forged length.
  if (extensionsEnd !== body.length) return undefined;

  while (p + 4 <= extensionsEnd) {
    const type = body.readUInt16BE(p);
    const length = body.readUInt16BE(p + 2);
    const dataStart = p + 4;
    const dataEnd = dataStart + length;
    if (dataEnd > extensionsEnd) return undefined;
    if (type === wanted) return body.subarray(dataStart, dataEnd);
    p = dataEnd;
  }
  return undefined;
}

/** ServerNameList: server_name_list<1..2^16-1> of { name_type(1), HostName<1..2^16-1> }. */
function hostNameOf(data: Buffer): string | undefined {
  if (data.length < 2) return undefined;
  const listEnd = 2 + data.readUInt16BE(0);
  if (listEnd !== data.length) return undefined;
  let p = 2;
  while (p + 3 <= listEnd) {
    const nameType = data[p]!;
    const length = data.readUInt16BE(p + 1);
    const start = p + 3;
    const end = start + length;
    if (end > listEnd) return undefined;
    if (nameType === NAME_TYPE_HOST_NAME) return normalizeHostName(data.subarray(start, end));
    p = end;
  }
  return undefined;
}

function normalizeHostName(raw: Buffer): string | undefined {
  if (raw.length === 0 || raw.length > 254) return undefined;
  // latin1 maps bytes 1:1, so a non-ASCII byte cannot sneak in as a multi-byte look-alike.
  let name = raw.toString("latin1").toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  return HOST_NAME.test(name) && name.length <= 253 ? name : undefined;
}
