/**
 * The building blocks every header format ends in: strict base64, PEM blocks, and "is this DER
 * one well-formed X.509 certificate". Pure; a malformed input is `undefined`, never an exception.
 */
import { X509Certificate } from "node:crypto";

/** A header value past this is not a certificate a terminator sent (nginx's own limit is 8 KiB per line by default). */
export const MAX_HEADER_CHARS = 32 * 1024;
/** Intermediates accepted with a leaf: real chains are one or two deep. */
export const MAX_CHAIN = 8;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, nothing else (Buffer.from would skip junk silently). */
export function strictBase64(text: string): Buffer | undefined {
  return text.length > 0 && BASE64.test(text) ? Buffer.from(text, "base64") : undefined;
}

/** `der` when it is exactly one X.509 certificate (no trailing bytes), else undefined. */
export function certificateDer(der: Buffer | undefined): Buffer | undefined {
  if (!der || der.length === 0) return undefined;
  try {
    // OpenSSL accepts trailing garbage after the certificate; its re-encoding tells.
    return new X509Certificate(der).raw.equals(der) ? der : undefined;
  } catch {
    return undefined;
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text, in order; undefined when anything but certificate blocks and
 * whitespace is there, or a block is not a certificate.
 */
export function pemCertificates(text: string): Buffer[] | undefined {
  const out: Buffer[] = [];
  let rest = "";
  let last = 0;
  for (const match of text.matchAll(PEM_BLOCK)) {
    rest += text.slice(last, match.index);
    last = match.index + match[0].length;
    const der = certificateDer(strictBase64(match[1]!.replace(/\s+/g, "")));
    if (!der) return undefined;
    out.push(der);
  }
  rest += text.slice(last);
  return out.length > 0 && rest.trim() === "" ? out : undefined;
}

/** The one certificate of a PEM text; several (or none) is not a client certificate. */
export function singlePemCertificate(text: string): Buffer | undefined {
  const certs = pemCertificates(text);
  return certs?.length === 1 ? certs[0] : undefined;
}

/** decodeURIComponent without the URIError. */
export function urlDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
