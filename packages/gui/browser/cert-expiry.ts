/**
 * A certificate's notAfter, read from its PEM with a minimal DER walk (Certificate → TBSCertificate
 * → validity): enough to show expiry without shipping an X.509 library to the browser.
 */
interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > der.length) throw new Error("truncated DER");
  return { tag, start, end: start + length };
}

/** The children of a constructed value. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const tlv = readTlv(der, at);
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function asn1Time(der: Uint8Array, tlv: Tlv): Date {
  const text = new TextDecoder().decode(der.subarray(tlv.start, tlv.end));
  const full = tlv.tag === 0x17 ? `${Number(text.slice(0, 2)) >= 50 ? "19" : "20"}${text}` : text;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  if (!m) throw new Error(`unreadable time '${text}'`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** notAfter of the first certificate in a PEM text; undefined when it cannot be read. */
export function certificateExpiry(pem: string): Date | undefined {
  const b64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1]?.replace(/\s+/g, "");
  if (!b64) return undefined;
  try {
    const der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const tbs = children(der, readTlv(der, 0))[0]!;
    const fields = children(der, tbs);
    // [0] version is optional; then serial, signature algorithm, issuer, validity.
    const validity = fields[fields[0]!.tag === 0xa0 ? 4 : 3]!;
    const [, notAfter] = children(der, validity);
    return notAfter ? asn1Time(der, notAfter) : undefined;
  } catch {
    return undefined;
  }
}
