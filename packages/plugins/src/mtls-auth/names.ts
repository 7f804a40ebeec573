/**
 * What a client certificate is called: the names consumer lookup tries (Subject Alternative Name
 * values first, then the subject CN, as RFC 6125 prefers SANs) and the subject DN in the RFC 2253
 * form nginx puts in `$ssl_client_s_dn` (Kong's `X-Client-Cert-DN`).
 */
import { isIPv4 } from "node:net";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { Asn1Error, decode, decodeElement, toBuffer } from "./asn1.ts";
import { GENERAL_NAME, OID, extension, perCertificate, type ParsedCertificate } from "./certificate.ts";

/** OpenSSL's short names for the attribute types a DN shows (others print as dotted OIDs). */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.44": "generationQualifier",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

/** The text of a directory string, or undefined for types that are not strings. */
function stringValue(value: asn1js.AsnType): string | undefined {
  // asn1js decodes each string type by its own charset (UTF-8, UTF-16BE, UTF-32BE; the others as Latin-1, as OpenSSL).
  const isString =
    value instanceof asn1js.Utf8String ||
    value instanceof asn1js.PrintableString ||
    value instanceof asn1js.IA5String ||
    value instanceof asn1js.TeletexString ||
    value instanceof asn1js.BmpString ||
    value instanceof asn1js.UniversalString;
  return isString ? value.valueBlock.value : undefined;
}

/** The constructed children of `element`, which must be of `type`. */
function childrenOf(element: asn1js.AsnType, type: typeof asn1js.Sequence | typeof asn1js.Set, what: string): asn1js.AsnType[] {
  if (!(element instanceof type)) throw new Asn1Error(`expected ${what}`);
  return element.valueBlock.value;
}

/** The attributes of a Name in DER order: one array per RDN (multi-valued RDNs are rare). */
function rdns(name: Buffer): { type: string; value: asn1js.AsnType }[][] {
  return childrenOf(decodeElement(name, "Name"), asn1js.Sequence, "a Name").map((rdn) =>
    childrenOf(rdn, asn1js.Set, "a RelativeDistinguishedName").map((atv) => {
      const [type, value] = childrenOf(atv, asn1js.Sequence, "an AttributeTypeAndValue");
      if (!(type instanceof asn1js.ObjectIdentifier) || !value) throw new Asn1Error("expected an attribute type and value");
      return { type: type.valueBlock.toString(), value };
    }),
  );
}

/**
 * RFC 2253 escaping as OpenSSL's XN_FLAG_RFC2253 does it: `,+"\<>;` and a leading `#` or
 * leading/trailing space get a backslash; control characters and every byte of a non-ASCII
 * character (UTF-8) are written as `\XX`.
 */
function escapeValue(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  let out = "";
  bytes.forEach((byte, i) => {
    const ch = String.fromCharCode(byte);
    if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (',+"\\<>;'.includes(ch)) out += `\\${ch}`;
    else if ((i === 0 && (ch === "#" || ch === " ")) || (i === bytes.length - 1 && ch === " ")) out += `\\${ch}`;
    else out += ch;
  });
  return out;
}

/** `CN=alice,O=Tether Test`: RFC 2253 (last RDN first), as nginx's `$ssl_client_s_dn`. */
export function formatDistinguishedName(name: Buffer): string {
  return rdns(name)
    .reverse()
    .map((rdn) =>
      rdn
        .map(({ type, value }) => {
          const text = stringValue(value);
          const label = SHORT_NAMES[type] ?? type;
          return `${label}=${text === undefined ? `#${toBuffer(value.valueBeforeDecodeView).toString("hex")}` : escapeValue(text)}`;
        })
        .join("+"),
    )
    .join(",");
}

/** The first CN of the subject (in DER order), as OpenSSL's X509_NAME lookup finds it. */
export function commonName(cert: ParsedCertificate): string | undefined {
  for (const rdn of rdns(cert.subjectName)) {
    for (const { type, value } of rdn) if (type === OID.commonName) return stringValue(value);
  }
  return undefined;
}

function ipText(bytes: Buffer): string | undefined {
  if (bytes.length === 4) {
    const text = [...bytes].join(".");
    return isIPv4(text) ? text : undefined;
  }
  if (bytes.length === 16) {
    // OpenSSL prints IPv6 SANs uncompressed with upper-case hex groups.
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16).toUpperCase());
    return groups.join(":");
  }
  return undefined;
}

/**
 * SAN values in certificate order: email (rfc822Name), DNS, URI and IP addresses. otherName,
 * directoryName, x400Address, ediPartyName and registeredID carry no single string and are skipped.
 */
export function subjectAltNames(cert: ParsedCertificate): string[] {
  const ext = extension(cert, OID.subjectAltName);
  if (!ext) return [];
  const out: string[] = [];
  for (const name of decode(pkijs.AltName, ext.value, "GeneralNames").altNames) {
    if (name.type === GENERAL_NAME.rfc822Name || name.type === GENERAL_NAME.dNSName || name.type === GENERAL_NAME.uniformResourceIdentifier) {
      out.push(String(name.value));
    } else if (name.type === GENERAL_NAME.iPAddress && name.value instanceof asn1js.OctetString) {
      const ip = ipText(toBuffer(name.value.valueBlock.valueHexView));
      if (ip) out.push(ip);
    }
  }
  return out;
}

export interface CertificateNames {
  /** SAN values, then the CN: the order consumer lookup tries them in. */
  readonly names: readonly string[];
  readonly commonName: string | undefined;
  /** Subject DN, RFC 2253. */
  readonly subjectDn: string;
}

export const certificateNames = perCertificate((cert): CertificateNames => {
  const cn = commonName(cert);
  return {
    names: cn === undefined ? subjectAltNames(cert) : [...subjectAltNames(cert), cn],
    commonName: cn,
    subjectDn: formatDistinguishedName(cert.subjectName),
  };
});
