/**
 * What a client certificate is called: the names consumer lookup tries (Subject Alternative Name
 * values first, then the subject CN, as RFC 6125 prefers SANs) and the subject DN in the RFC 2253
 * form nginx puts in `$ssl_client_s_dn` (Kong's `X-Client-Cert-DN`).
 */
import { isIPv4 } from "node:net";
import { OID, extension, type ParsedCertificate } from "./certificate.ts";
import { TAG, children, context, expectTag, oidToString, readOne, type Tlv } from "./der.ts";

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
function stringValue(tlv: Tlv): string | undefined {
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      return tlv.content.toString("utf8");
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (treated as Latin-1, as OpenSSL does)
      return tlv.content.toString("latin1");
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(tlv.content).swap16().toString("utf16le");
    case 0x1c: {
      // UniversalString: UTF-32BE
      let out = "";
      for (let i = 0; i + 3 < tlv.content.length; i += 4) out += String.fromCodePoint(tlv.content.readUInt32BE(i));
      return out;
    }
    default:
      return undefined;
  }
}

/** The attributes of a Name in DER order: one array per RDN (multi-valued RDNs are rare). */
function rdns(name: Buffer): { type: string; value: Tlv }[][] {
  return children(expectTag(readOne(name), TAG.SEQUENCE, "Name")).map((rdn) =>
    children(expectTag(rdn, TAG.SET, "RelativeDistinguishedName")).map((atv) => {
      const [type, value] = children(atv);
      return { type: oidToString(type!), value: value! };
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
          return `${label}=${text === undefined ? `#${value.raw.toString("hex")}` : escapeValue(text)}`;
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
  for (const name of children(expectTag(readOne(ext.value), TAG.SEQUENCE, "GeneralNames"))) {
    if (name.tag === context(1, false) || name.tag === context(2, false) || name.tag === context(6, false)) {
      out.push(name.content.toString("latin1"));
    } else if (name.tag === context(7, false)) {
      const ip = ipText(name.content);
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

export function certificateNames(cert: ParsedCertificate): CertificateNames {
  const cn = commonName(cert);
  return {
    names: cn === undefined ? subjectAltNames(cert) : [...subjectAltNames(cert), cn],
    commonName: cn,
    subjectDn: formatDistinguishedName(cert.subjectName),
  };
}
