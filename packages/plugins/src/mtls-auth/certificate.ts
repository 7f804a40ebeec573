/**
 * The parts of an X.509 certificate that chain verification, revocation and name extraction read
 * and Node's X509Certificate does not expose (or exposes only as display strings). OpenSSL (Node's
 * X509Certificate) parses the certificate and checks its signatures; pkijs reads the fields and
 * extensions. Both must accept the bytes, or the certificate is unreadable.
 */
import { X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { Asn1Error, bitStringOctets, decode, decodeElement, integerHex, millis, toBuffer } from "./asn1.ts";

export const OID = {
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  crlDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  policyConstraints: "2.5.29.36",
  inhibitAnyPolicy: "2.5.29.54",
  nameConstraints: "2.5.29.30",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  ocspMethod: "1.3.6.1.5.5.7.48.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  anyExtendedKeyUsage: "2.5.29.37.0",
  commonName: "2.5.4.3",
} as const;

/** GeneralName CHOICE tags as pkijs numbers them. */
export const GENERAL_NAME = { rfc822Name: 1, dNSName: 2, uniformResourceIdentifier: 6, iPAddress: 7 } as const;

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's content: the DER of the extension itself. */
  readonly value: Buffer;
}

export interface ParsedCertificate {
  readonly x509: X509Certificate;
  readonly der: Buffer;
  /** Serial number as lower-case hex without leading zeros. */
  readonly serial: string;
  /** Raw DER (whole TLV) of the issuer and subject Names: compared and hashed as bytes. */
  readonly issuerName: Buffer;
  readonly subjectName: Buffer;
  /** The subjectPublicKey BIT STRING's bytes (what OCSP's issuerKeyHash hashes). */
  readonly subjectPublicKey: Buffer;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly extensions: readonly Extension[];
  /** pkijs's reading of the certificate (the OCSP request copies its serial INTEGER as encoded). */
  readonly structure: pkijs.Certificate;
}

/** Parses a DER certificate; throws (Asn1Error or Node's own) when it cannot be read. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const x509 = new X509Certificate(der);
  // OpenSSL ignores bytes after the certificate; a certificate is exactly its DER here.
  const structure = decode(pkijs.Certificate, der, "Certificate");
  const extensions = (structure.extensions ?? []).map((ext) => ({
    oid: ext.extnID,
    critical: ext.critical,
    value: toBuffer(ext.extnValue.valueBlock.valueHexView),
  }));
  return {
    x509,
    der,
    serial: integerHex(structure.serialNumber),
    issuerName: Buffer.from(structure.issuer.valueBeforeDecode),
    subjectName: Buffer.from(structure.subject.valueBeforeDecode),
    subjectPublicKey: bitStringOctets(structure.subjectPublicKeyInfo.subjectPublicKey, "subjectPublicKey"),
    notBefore: millis(structure.notBefore, "notBefore"),
    notAfter: millis(structure.notAfter, "notAfter"),
    extensions,
    structure,
  };
}

/**
 * `read` remembered per certificate (failures are not): the leaf is parsed once per connection and
 * the anchors once per snapshot, so a kept-alive connection's requests decode no extension again.
 */
export function perCertificate<T>(read: (cert: ParsedCertificate) => T): (cert: ParsedCertificate) => T {
  const memo = new WeakMap<ParsedCertificate, T>();
  return (cert) => {
    if (memo.has(cert)) return memo.get(cert) as T;
    const value = read(cert);
    memo.set(cert, value);
    return value;
  };
}

export function extension(cert: ParsedCertificate, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

/** basicConstraints: `ca` and the optional pathLenConstraint. Absent extension = not a CA. */
export const basicConstraints = perCertificate((cert): { ca: boolean; pathLen: number | undefined } => {
  const ext = extension(cert, OID.basicConstraints);
  if (!ext) return { ca: false, pathLen: undefined };
  const value = decode(pkijs.BasicConstraints, ext.value, "BasicConstraints");
  const pathLen = value.pathLenConstraint;
  // pkijs hands back an Integer when the value does not fit a JS number.
  if (pathLen !== undefined && (typeof pathLen !== "number" || pathLen < 0)) throw new Asn1Error("pathLenConstraint out of range");
  return { ca: value.cA, pathLen };
});

/** extendedKeyUsage OIDs, or undefined when the extension is absent (= any usage). */
export const extendedKeyUsage = perCertificate((cert): string[] | undefined => {
  const ext = extension(cert, OID.extKeyUsage);
  return ext && decode(pkijs.ExtKeyUsage, ext.value, "ExtKeyUsageSyntax").keyPurposes;
});

/** keyUsage cRLSign (bit 6), or true when the certificate has no keyUsage extension. */
export function maySignCrls(cert: ParsedCertificate): boolean {
  const ext = extension(cert, OID.keyUsage);
  if (!ext) return true;
  const bits = decodeElement(ext.value, "KeyUsage");
  // A named BIT STRING: trailing unused bits are normal here, unlike in keys and signatures.
  if (!(bits instanceof asn1js.BitString)) throw new Asn1Error("KeyUsage: expected a BIT STRING");
  return ((bits.valueBlock.valueHexView[0] ?? 0) & 0x02) !== 0;
}

const fetchable = (uris: string[]): string[] => uris.filter((u) => /^https?:\/\//i.test(u));

/** http(s) URIs of the CRL distribution points (fullName form; relative names are not fetchable). */
export function crlDistributionUris(cert: ParsedCertificate): string[] {
  const ext = extension(cert, OID.crlDistributionPoints);
  if (!ext) return [];
  const points = decode(pkijs.CRLDistributionPoints, ext.value, "CRLDistributionPoints").distributionPoints;
  return fetchable(
    points.flatMap(({ distributionPoint }) =>
      Array.isArray(distributionPoint)
        ? distributionPoint.filter((n) => n.type === GENERAL_NAME.uniformResourceIdentifier).map((n) => String(n.value))
        : [],
    ),
  );
}

/** http(s) URIs of OCSP responders named in authorityInfoAccess. */
export function ocspUris(cert: ParsedCertificate): string[] {
  const ext = extension(cert, OID.authorityInfoAccess);
  if (!ext) return [];
  const access = decode(pkijs.InfoAccess, ext.value, "AuthorityInfoAccessSyntax").accessDescriptions;
  return fetchable(
    access
      .filter((a) => a.accessMethod === OID.ocspMethod && a.accessLocation.type === GENERAL_NAME.uniformResourceIdentifier)
      .map((a) => String(a.accessLocation.value)),
  );
}
