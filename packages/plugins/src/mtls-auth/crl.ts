/**
 * Certificate revocation lists (RFC 5280 section 5): parse, check that the leaf's issuer signed
 * it and that it is current, and look the leaf's serial number up.
 *
 * Complete CRLs only. Indirect CRLs (certificateIssuer entries), delta CRLs and CRLs scoped by an
 * issuingDistributionPoint are refused as "unable to check" rather than read wrongly.
 */
import { OID, extension, type ParsedCertificate } from "./certificate.ts";
import {
  DerError,
  TAG,
  bitStringBytes,
  children,
  context,
  expectTag,
  integerHex,
  oidToString,
  readOne,
  timeToMillis,
  type Tlv,
} from "./der.ts";
import { formatDistinguishedName } from "./names.ts";
import { verifySignature } from "./signature.ts";

export interface Crl {
  readonly issuerName: Buffer;
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  /** Serial numbers (lower-case hex, no leading zeros) listed as revoked. */
  readonly revoked: ReadonlySet<string>;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: Tlv;
  readonly signature: Buffer;
}

const CRL_NUMBER = "2.5.29.20";
const REASON_CODE = "2.5.29.21";
const INVALIDITY_DATE = "2.5.29.24";
const FRESHEST_CRL = "2.5.29.46";
const KNOWN_CRL_EXTENSIONS = new Set<string>([CRL_NUMBER, OID.authorityKeyIdentifier, FRESHEST_CRL]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([REASON_CODE, INVALIDITY_DATE]);
/** reasonCode removeFromCRL only appears in delta CRLs, which are refused above. */

const isTime = (tlv: Tlv | undefined): boolean => tlv?.tag === TAG.UTC_TIME || tlv?.tag === TAG.GENERALIZED_TIME;

/** Throws on anything it cannot read or does not support: a CRL read wrongly is worse than none. */
function requireKnownExtensions(list: Tlv | undefined, known: ReadonlySet<string>, where: string): void {
  if (!list) return;
  for (const ext of children(expectTag(list, TAG.SEQUENCE, "Extensions"))) {
    const parts = children(ext);
    const oid = oidToString(parts[0]!);
    const critical = parts.length === 3 && parts[1]!.content[0] !== 0;
    if (oid === "2.5.29.29") throw new DerError("indirect CRLs are not supported");
    if (oid === "2.5.29.27") throw new DerError("delta CRLs are not supported");
    if (oid === "2.5.29.28") throw new DerError("CRLs with an issuingDistributionPoint are not supported");
    if (critical && !known.has(oid)) throw new DerError(`unsupported critical ${where} extension ${oid}`);
  }
}

/** Accepts DER or PEM (`-----BEGIN X509 CRL-----`), as CRL endpoints serve either. */
export function parseCrl(body: Buffer): Crl {
  const text = body.subarray(0, 64).toString("latin1");
  const der = text.includes("-----BEGIN X509 CRL-----")
    ? Buffer.from(body.toString("latin1").replace(/-----(BEGIN|END) X509 CRL-----|\s+/g, ""), "base64")
    : body;
  const [tbsTlv, algorithm, signature] = children(expectTag(readOne(der), TAG.SEQUENCE, "CertificateList"));
  const tbs = expectTag(tbsTlv, TAG.SEQUENCE, "TBSCertList");
  const fields = children(tbs);
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0; // version (v2) is optional
  i++; // inner signature algorithm
  const issuerName = expectTag(fields[i++], TAG.SEQUENCE, "issuer Name").raw;
  if (!isTime(fields[i])) throw new DerError("expected thisUpdate");
  const thisUpdate = timeToMillis(fields[i++]!);
  const nextUpdate = isTime(fields[i]) ? timeToMillis(fields[i++]!) : undefined;
  const revoked = new Set<string>();
  if (fields[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(fields[i++]!)) {
      const [serial, , entryExtensions] = children(entry);
      requireKnownExtensions(entryExtensions, KNOWN_ENTRY_EXTENSIONS, "CRL entry");
      revoked.add(integerHex(serial!));
    }
  }
  const crlExtensions = fields[i]?.tag === context(0, true) ? children(fields[i]!)[0] : undefined;
  requireKnownExtensions(crlExtensions, KNOWN_CRL_EXTENSIONS, "CRL");
  return {
    issuerName,
    thisUpdate,
    nextUpdate,
    revoked,
    tbs: tbs.raw,
    signatureAlgorithm: expectTag(algorithm, TAG.SEQUENCE, "signatureAlgorithm"),
    signature: bitStringBytes(signature!),
  };
}

/** keyUsage cRLSign (bit 6), or true when the issuer has no keyUsage extension. */
function maySignCrls(issuer: ParsedCertificate): boolean {
  const ext = extension(issuer, OID.keyUsage);
  if (!ext) return true;
  const bits = bitStringBytes(readOne(ext.value));
  return ((bits[0] ?? 0) & 0x02) !== 0;
}

const sameName = (a: Buffer, b: Buffer): boolean => a.equals(b) || formatDistinguishedName(a) === formatDistinguishedName(b);

/**
 * "revoked" or "good" for `leaf` by a CRL its `issuer` signed; throws when the CRL cannot
 * answer (wrong issuer, bad signature, expired).
 */
export function checkCrl(crl: Crl, leaf: ParsedCertificate, issuer: ParsedCertificate, now: number): "good" | "revoked" {
  if (!sameName(crl.issuerName, leaf.issuerName)) throw new DerError("CRL is not from the certificate's issuer");
  if (!maySignCrls(issuer)) throw new DerError("issuer may not sign CRLs (keyUsage)");
  if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer.x509.publicKey)) {
    throw new DerError("CRL signature does not verify");
  }
  if (crl.thisUpdate > now) throw new DerError("CRL is not yet valid");
  if (crl.nextUpdate !== undefined && crl.nextUpdate < now) throw new DerError("CRL has expired");
  return crl.revoked.has(leaf.serial) ? "revoked" : "good";
}
