/**
 * OCSP (RFC 6960) for one certificate: build the request, and read the responder's answer only
 * when it is signed by the issuer or by a responder certificate the issuer delegated
 * (extendedKeyUsage id-kp-OCSPSigning), is about this very certificate, and is current.
 *
 * No nonce is sent (most responders serve pre-signed answers and ignore it), so an answer is
 * trusted by its thisUpdate/nextUpdate window, as Kong's client does.
 */
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { Asn1Error, bitStringOctets, decode, integerHex, millis, toBuffer } from "./asn1.ts";
import { OID, extendedKeyUsage, parseCertificate, type ParsedCertificate } from "./certificate.ts";
import { DIGESTS, verifySignature } from "./signature.ts";

const SHA1 = "1.3.14.3.2.26";
const BASIC_RESPONSE = "1.3.6.1.5.5.7.48.1.1";
/** Clock skew allowed between us and the responder. */
const SKEW_MS = 5 * 60_000;
/** CertStatus CHOICE: good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2]. */
const CERT_STATUS = { good: 0, revoked: 1 } as const;

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
  const reqCert = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: id.nameHash }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: id.keyHash }),
    serialNumber: leaf.structure.serialNumber,
  });
  const request = new pkijs.OCSPRequest({ tbsRequest: new pkijs.TBSRequest({ requestList: [new pkijs.Request({ reqCert })] }) });
  return Buffer.from(request.toSchema(true).toBER());
}

export interface OcspAnswer {
  readonly status: "good" | "revoked";
  /** nextUpdate of the answer (epoch ms), when the responder gave one. */
  readonly nextUpdate: number | undefined;
}

/** The certificates that may have signed the response: the issuer itself, or a delegated responder. */
function signerKeys(issuer: ParsedCertificate, certs: readonly pkijs.Certificate[], now: number): ParsedCertificate[] {
  const signers = [issuer];
  for (const cert of certs) {
    let responder: ParsedCertificate;
    try {
      responder = parseCertificate(Buffer.from(cert.toSchema().toBER()));
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

/** True when `single` is about `leaf` as issued by `issuer` (a CertID hashed with a digest we know). */
function isAbout(single: pkijs.SingleResponse, leaf: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const digest = DIGESTS[single.certID.hashAlgorithm.algorithmId];
  if (!digest) return false;
  const expected = certId(leaf, issuer, digest);
  return (
    integerHex(single.certID.serialNumber) === expected.serial &&
    toBuffer(single.certID.issuerNameHash.valueBlock.valueHexView).equals(expected.nameHash) &&
    toBuffer(single.certID.issuerKeyHash.valueBlock.valueHexView).equals(expected.keyHash)
  );
}

/** Reads a DER OCSPResponse about `leaf`; throws when it cannot be trusted or says "unknown". */
export function evaluateOcspResponse(body: Buffer, leaf: ParsedCertificate, issuer: ParsedCertificate, now: number): OcspAnswer {
  const response = decode(pkijs.OCSPResponse, body, "OCSPResponse");
  const status = response.responseStatus.valueBlock.valueDec;
  if (status !== 0) throw new Asn1Error(`OCSP responder answered with status ${status}`);
  if (response.responseBytes?.responseType !== BASIC_RESPONSE) throw new Asn1Error("not a basic OCSP response");
  const basic = decode(pkijs.BasicOCSPResponse, response.responseBytes.response.valueBlock.valueHexView, "BasicOCSPResponse");
  const tbsData = toBuffer(basic.tbsResponseData.tbsView);
  const signatureBytes = bitStringOctets(basic.signature, "OCSP signature");
  const signed = signerKeys(issuer, basic.certs ?? [], now).some((signer) => {
    try {
      return verifySignature(basic.signatureAlgorithm, tbsData, signatureBytes, signer.x509.publicKey);
    } catch {
      return false;
    }
  });
  if (!signed) throw new Asn1Error("OCSP response is not signed by the issuer or its delegated responder");

  const single = basic.tbsResponseData.responses.find((r) => isAbout(r, leaf, issuer));
  if (!single) throw new Asn1Error("OCSP response is not about this certificate");
  const thisUpdate = millis(single.thisUpdate, "thisUpdate");
  const nextUpdate = single.nextUpdate && millis(single.nextUpdate, "nextUpdate");
  if (thisUpdate > now + SKEW_MS) throw new Asn1Error("OCSP answer is not yet valid");
  if (nextUpdate !== undefined && nextUpdate < now - SKEW_MS) throw new Asn1Error("OCSP answer has expired");
  const choice = (single.certStatus as asn1js.BaseBlock).idBlock;
  if (choice.tagClass === 3 && choice.tagNumber === CERT_STATUS.good) return { status: "good", nextUpdate };
  if (choice.tagClass === 3 && choice.tagNumber === CERT_STATUS.revoked) return { status: "revoked", nextUpdate };
  throw new Asn1Error("OCSP responder does not know the certificate");
}
