/**
 * OCSP (RFC 6960) for one certificate: build the request, and read the responder's answer only
 * when it is signed by the issuer or by a responder certificate the issuer delegated
 * (extendedKeyUsage id-kp-OCSPSigning), is about this very certificate, and is current.
 *
 * No nonce is sent (most responders serve pre-signed answers and ignore it), so an answer is
 * trusted by its thisUpdate/nextUpdate window, as Kong's client does.
 */
import { createHash } from "node:crypto";
import { OID, extendedKeyUsage, parseCertificate, type ParsedCertificate } from "./certificate.ts";
import {
  DerError,
  TAG,
  bitStringBytes,
  children,
  context,
  encode,
  encodeOid,
  expectTag,
  integerHex,
  oidToString,
  readOne,
  timeToMillis,
  type Tlv,
} from "./der.ts";
import { DIGESTS, verifySignature } from "./signature.ts";

const SHA1 = "1.3.14.3.2.26";
const BASIC_RESPONSE = "1.3.6.1.5.5.7.48.1.1";
/** Clock skew allowed between us and the responder. */
const SKEW_MS = 5 * 60_000;

const hash = (algorithm: string, data: Buffer): Buffer => createHash(algorithm).update(data).digest();

/** The CertID fields: hashes of the issuer's Name and key, and the serial number. */
function certId(leaf: ParsedCertificate, issuer: ParsedCertificate, algorithm: string) {
  return {
    nameHash: hash(algorithm, issuer.subjectName),
    keyHash: hash(algorithm, issuer.subjectPublicKey),
    serial: leaf.serial,
  };
}

/** DER OCSPRequest for `leaf` (SHA-1 CertID, which every responder accepts). */
export function buildOcspRequest(leaf: ParsedCertificate, issuer: ParsedCertificate): Buffer {
  const id = certId(leaf, issuer, "sha1");
  const serialBytes = Buffer.from(leaf.serial.length % 2 ? `0${leaf.serial}` : leaf.serial, "hex");
  // INTEGER is signed: a leading 1 bit needs a zero octet in front.
  const serial = (serialBytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), serialBytes]) : serialBytes;
  const reqCert = encode(
    TAG.SEQUENCE,
    encode(TAG.SEQUENCE, encodeOid(SHA1), encode(TAG.NULL)),
    encode(TAG.OCTET_STRING, id.nameHash),
    encode(TAG.OCTET_STRING, id.keyHash),
    encode(TAG.INTEGER, serial),
  );
  const request = encode(TAG.SEQUENCE, reqCert);
  const tbsRequest = encode(TAG.SEQUENCE, encode(TAG.SEQUENCE, request));
  return encode(TAG.SEQUENCE, tbsRequest);
}

export interface OcspAnswer {
  readonly status: "good" | "revoked";
  /** nextUpdate of the answer (epoch ms), when the responder gave one. */
  readonly nextUpdate: number | undefined;
}

/** The certificate that signed the response: the issuer itself, or a delegated responder. */
function signerKeys(issuer: ParsedCertificate, certs: Tlv | undefined, now: number): ParsedCertificate[] {
  const signers = [issuer];
  for (const tlv of certs ? children(children(certs)[0]!) : []) {
    let responder: ParsedCertificate;
    try {
      responder = parseCertificate(tlv.raw);
    } catch {
      continue;
    }
    const delegated =
      responder.x509.checkIssued(issuer.x509) &&
      responder.x509.verify(issuer.x509.publicKey) &&
      (extendedKeyUsage(responder) ?? []).includes(OID.ocspSigning) &&
      responder.notBefore <= now &&
      now <= responder.notAfter;
    if (delegated) signers.push(responder);
  }
  return signers;
}

/** Reads a DER OCSPResponse about `leaf`; throws when it cannot be trusted or says "unknown". */
export function evaluateOcspResponse(body: Buffer, leaf: ParsedCertificate, issuer: ParsedCertificate, now: number): OcspAnswer {
  const [statusTlv, bytesTlv] = children(expectTag(readOne(body), TAG.SEQUENCE, "OCSPResponse"));
  const status = expectTag(statusTlv, TAG.ENUMERATED, "responseStatus").content[0];
  if (status !== 0) throw new DerError(`OCSP responder answered with status ${String(status)}`);
  const [typeTlv, responseTlv] = children(expectTag(children(expectTag(bytesTlv, context(0, true), "responseBytes"))[0], TAG.SEQUENCE, "ResponseBytes"));
  if (oidToString(typeTlv!) !== BASIC_RESPONSE) throw new DerError("not a basic OCSP response");
  const basic = children(expectTag(readOne(expectTag(responseTlv, TAG.OCTET_STRING, "response").content), TAG.SEQUENCE, "BasicOCSPResponse"));
  const [tbs, algorithm, signature, certs] = basic;
  const tbsData = expectTag(tbs, TAG.SEQUENCE, "ResponseData");
  const signatureBytes = bitStringBytes(signature!);
  const signed = signerKeys(issuer, certs, now).some((signer) => {
    try {
      return verifySignature(algorithm!, tbsData.raw, signatureBytes, signer.x509.publicKey);
    } catch {
      return false;
    }
  });
  if (!signed) throw new DerError("OCSP response is not signed by the issuer or its delegated responder");

  const fields = children(tbsData);
  // [0] version (optional), responderID, producedAt, responses, [1] extensions (optional)
  const first = fields[0]?.tag === context(0, true) ? 1 : 0;
  expectTag(fields[first + 1], TAG.GENERALIZED_TIME, "producedAt");
  const responses = expectTag(fields[first + 2], TAG.SEQUENCE, "responses");
  for (const single of children(responses)) {
    const parts = children(single);
    const [idTlv, statusChoice, thisUpdateTlv] = parts;
    const [algTlv, nameHash, keyHash, serial] = children(expectTag(idTlv, TAG.SEQUENCE, "CertID"));
    const digest = DIGESTS[oidToString(children(algTlv!)[0]!)];
    if (!digest) continue;
    const expected = certId(leaf, issuer, digest);
    const matches =
      integerHex(serial!) === expected.serial &&
      expectTag(nameHash, TAG.OCTET_STRING, "issuerNameHash").content.equals(expected.nameHash) &&
      expectTag(keyHash, TAG.OCTET_STRING, "issuerKeyHash").content.equals(expected.keyHash);
    if (!matches) continue;
    const thisUpdate = timeToMillis(thisUpdateTlv!);
    const nextTlv = parts.slice(3).find((p) => p.tag === context(0, true));
    const nextUpdate = nextTlv ? timeToMillis(children(nextTlv)[0]!) : undefined;
    if (thisUpdate > now + SKEW_MS) throw new DerError("OCSP answer is not yet valid");
    if (nextUpdate !== undefined && nextUpdate < now - SKEW_MS) throw new DerError("OCSP answer has expired");
    if (statusChoice?.tag === context(0, false)) return { status: "good", nextUpdate };
    if (statusChoice?.tag === context(1, true)) return { status: "revoked", nextUpdate };
    throw new DerError("OCSP responder does not know the certificate");
  }
  throw new DerError("OCSP response is not about this certificate");
}
