/**
 * Certificate revocation lists (RFC 5280 section 5): parse, check that the leaf's issuer signed
 * it and that it is current, and look the leaf's serial number up.
 *
 * Complete CRLs only. Indirect CRLs (certificateIssuer entries), delta CRLs and CRLs scoped by an
 * issuingDistributionPoint are refused as "unable to check" rather than read wrongly.
 */
import * as pkijs from "pkijs";
import { Asn1Error, bitStringOctets, decode, integerHex, millis, toBuffer } from "./asn1.ts";
import { OID, maySignCrls, type ParsedCertificate } from "./certificate.ts";
import { formatDistinguishedName } from "./names.ts";
import { verifySignature } from "./signature.ts";

export interface Crl {
  readonly issuerName: Buffer;
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  /** Serial numbers (lower-case hex, no leading zeros) listed as revoked. */
  readonly revoked: ReadonlySet<string>;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: pkijs.AlgorithmIdentifier;
  readonly signature: Buffer;
}

const CRL_NUMBER = "2.5.29.20";
const REASON_CODE = "2.5.29.21";
const INVALIDITY_DATE = "2.5.29.24";
const FRESHEST_CRL = "2.5.29.46";
const KNOWN_CRL_EXTENSIONS = new Set<string>([CRL_NUMBER, OID.authorityKeyIdentifier, FRESHEST_CRL]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([REASON_CODE, INVALIDITY_DATE]);
/** reasonCode removeFromCRL only appears in delta CRLs, which are refused above. */

/** Throws on anything it does not support: a CRL read wrongly is worse than none. */
function requireKnownExtensions(list: pkijs.Extensions | undefined, known: ReadonlySet<string>, where: string): void {
  for (const { extnID: oid, critical } of list?.extensions ?? []) {
    if (oid === "2.5.29.29") throw new Asn1Error("indirect CRLs are not supported");
    if (oid === "2.5.29.27") throw new Asn1Error("delta CRLs are not supported");
    if (oid === "2.5.29.28") throw new Asn1Error("CRLs with an issuingDistributionPoint are not supported");
    if (critical && !known.has(oid)) throw new Asn1Error(`unsupported critical ${where} extension ${oid}`);
  }
}

/** Accepts DER or PEM (`-----BEGIN X509 CRL-----`), as CRL endpoints serve either. */
export function parseCrl(body: Buffer): Crl {
  const text = body.subarray(0, 64).toString("latin1");
  const der = text.includes("-----BEGIN X509 CRL-----")
    ? Buffer.from(body.toString("latin1").replace(/-----(BEGIN|END) X509 CRL-----|\s+/g, ""), "base64")
    : body;
  const crl = decode(pkijs.CertificateRevocationList, der, "CertificateList");
  const revoked = new Set<string>();
  for (const entry of crl.revokedCertificates ?? []) {
    requireKnownExtensions(entry.crlEntryExtensions, KNOWN_ENTRY_EXTENSIONS, "CRL entry");
    revoked.add(integerHex(entry.userCertificate));
  }
  requireKnownExtensions(crl.crlExtensions, KNOWN_CRL_EXTENSIONS, "CRL");
  return {
    issuerName: Buffer.from(crl.issuer.valueBeforeDecode),
    thisUpdate: millis(crl.thisUpdate, "thisUpdate"),
    nextUpdate: crl.nextUpdate && millis(crl.nextUpdate, "nextUpdate"),
    revoked,
    tbs: toBuffer(crl.tbsView),
    signatureAlgorithm: crl.signatureAlgorithm,
    signature: bitStringOctets(crl.signatureValue, "CRL signature"),
  };
}

const sameName = (a: Buffer, b: Buffer): boolean => a.equals(b) || formatDistinguishedName(a) === formatDistinguishedName(b);

/**
 * "revoked" or "good" for `leaf` by a CRL its `issuer` signed; throws when the CRL cannot
 * answer (wrong issuer, bad signature, expired).
 */
export function checkCrl(crl: Crl, leaf: ParsedCertificate, issuer: ParsedCertificate, now: number): "good" | "revoked" {
  if (!sameName(crl.issuerName, leaf.issuerName)) throw new Asn1Error("CRL is not from the certificate's issuer");
  if (!maySignCrls(issuer)) throw new Asn1Error("issuer may not sign CRLs (keyUsage)");
  if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer.x509.publicKey)) {
    throw new Asn1Error("CRL signature does not verify");
  }
  if (crl.thisUpdate > now) throw new Asn1Error("CRL is not yet valid");
  if (crl.nextUpdate !== undefined && crl.nextUpdate < now) throw new Asn1Error("CRL has expired");
  return crl.revoked.has(leaf.serial) ? "revoked" : "good";
}
