/**
 * The parts of an X.509 certificate that chain verification, revocation and name extraction read
 * and Node's X509Certificate does not expose (or exposes only as display strings).
 */
import { X509Certificate } from "node:crypto";
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
  smallInteger,
  timeToMillis,
  type Tlv,
} from "./der.ts";

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
}

function parseExtensions(tlv: Tlv | undefined): Extension[] {
  if (!tlv) return [];
  const list = expectTag(children(tlv)[0], TAG.SEQUENCE, "Extensions");
  return children(list).map((ext) => {
    const parts = children(ext);
    const oid = oidToString(parts[0]!);
    const critical = parts.length === 3 ? expectTag(parts[1], TAG.BOOLEAN, "critical").content[0] !== 0 : false;
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, "extnValue").content;
    return { oid, critical, value };
  });
}

/** Parses a DER certificate; throws (DerError or Node's own) when it cannot be read. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const cert = expectTag(readOne(der), TAG.SEQUENCE, "Certificate");
  const tbs = expectTag(children(cert)[0], TAG.SEQUENCE, "TBSCertificate");
  const fields = children(tbs);
  let i = fields[0]?.tag === context(0, true) ? 1 : 0; // [0] EXPLICIT version
  const serial = integerHex(fields[i++]!);
  i++; // signature AlgorithmIdentifier (the outer one is what X509Certificate.verify checks)
  const issuerName = expectTag(fields[i++], TAG.SEQUENCE, "issuer Name").raw;
  const validity = children(expectTag(fields[i++], TAG.SEQUENCE, "Validity"));
  const subjectName = expectTag(fields[i++], TAG.SEQUENCE, "subject Name").raw;
  const spki = children(expectTag(fields[i++], TAG.SEQUENCE, "SubjectPublicKeyInfo"));
  const extensions = parseExtensions(fields.slice(i).find((f) => f.tag === context(3, true)));
  if (validity.length !== 2) throw new DerError("Validity needs two times");
  return {
    x509,
    der,
    serial,
    issuerName,
    subjectName,
    subjectPublicKey: bitStringBytes(spki[1]!),
    notBefore: timeToMillis(validity[0]!),
    notAfter: timeToMillis(validity[1]!),
    extensions,
  };
}

export function extension(cert: ParsedCertificate, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

/** basicConstraints: `ca` and the optional pathLenConstraint. Absent extension = not a CA. */
export function basicConstraints(cert: ParsedCertificate): { ca: boolean; pathLen: number | undefined } {
  const ext = extension(cert, OID.basicConstraints);
  if (!ext) return { ca: false, pathLen: undefined };
  const parts = children(expectTag(readOne(ext.value), TAG.SEQUENCE, "BasicConstraints"));
  let k = 0;
  let ca = false;
  if (parts[k]?.tag === TAG.BOOLEAN) ca = parts[k++]!.content[0] !== 0;
  const pathLen = parts[k] ? smallInteger(parts[k]!) : undefined;
  return { ca, pathLen };
}

/** extendedKeyUsage OIDs, or undefined when the extension is absent (= any usage). */
export function extendedKeyUsage(cert: ParsedCertificate): string[] | undefined {
  const ext = extension(cert, OID.extKeyUsage);
  if (!ext) return undefined;
  return children(expectTag(readOne(ext.value), TAG.SEQUENCE, "ExtKeyUsageSyntax")).map(oidToString);
}

/** GeneralName URIs ([6] IA5String) inside a GeneralNames sequence. */
function uris(generalNames: Tlv): string[] {
  return children(generalNames)
    .filter((n) => n.tag === context(6, false))
    .map((n) => n.content.toString("latin1"));
}

/** http(s) URIs of the CRL distribution points (fullName form; relative names are not fetchable). */
export function crlDistributionUris(cert: ParsedCertificate): string[] {
  const ext = extension(cert, OID.crlDistributionPoints);
  if (!ext) return [];
  const out: string[] = [];
  for (const point of children(expectTag(readOne(ext.value), TAG.SEQUENCE, "CRLDistributionPoints"))) {
    const name = children(point).find((p) => p.tag === context(0, true)); // distributionPoint [0]
    const fullName = name && children(name).find((n) => n.tag === context(0, true)); // fullName [0]
    if (fullName) out.push(...uris(fullName));
  }
  return out.filter((u) => /^https?:\/\//i.test(u));
}

/** http(s) URIs of OCSP responders named in authorityInfoAccess. */
export function ocspUris(cert: ParsedCertificate): string[] {
  const ext = extension(cert, OID.authorityInfoAccess);
  if (!ext) return [];
  const out: string[] = [];
  for (const access of children(expectTag(readOne(ext.value), TAG.SEQUENCE, "AuthorityInfoAccessSyntax"))) {
    const [method, location] = children(access);
    if (method && location && oidToString(method) === OID.ocspMethod && location.tag === context(6, false)) {
      out.push(location.content.toString("latin1"));
    }
  }
  return out.filter((u) => /^https?:\/\//i.test(u));
}
