/**
 * PEM parsing for the certificate entities, with node:crypto (OpenSSL underneath, as Kong's
 * lua-resty-openssl). Pure: no I/O, nothing logged. Errors are returned as text in Kong's shape
 * (`x509.new: <openssl error>`, `pkey.new:load_key: <openssl error>`) and never quote the input,
 * so a private key cannot leak into a response or a log through an error message.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const opensslMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** How many `BEGIN CERTIFICATE` markers the text holds (Kong counts them for ca_certificates). */
export function countCertificateMarkers(pem: string): number {
  return pem.split("-----BEGIN CERTIFICATE-----").length - 1;
}

/**
 * A certificate chain: the leaf first, then any intermediates, each a PEM block. Text that holds
 * no block at all is handed to OpenSSL whole, so the error reads as OpenSSL's ("no start line").
 */
export function parseCertificateChain(pem: string): Parsed<X509Certificate[]> {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [pem];
  const chain: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      chain.push(new X509Certificate(block));
    } catch (error) {
      return { ok: false, error: `x509.new: ${opensslMessage(error)}` };
    }
  }
  return { ok: true, value: chain };
}

/** The first certificate of the text (Kong's x509.new reads that one and ignores the rest). */
export function parseCertificate(pem: string): Parsed<X509Certificate> {
  const chain = parseCertificateChain(pem.match(CERTIFICATE_BLOCK)?.[0] ?? pem);
  return chain.ok ? { ok: true, value: chain.value[0]! } : chain;
}

export function parsePrivateKey(pem: string): Parsed<KeyObject> {
  try {
    return { ok: true, value: createPrivateKey(pem) };
  } catch (error) {
    return { ok: false, error: `pkey.new:load_key: ${opensslMessage(error)}` };
  }
}

/** Kong's `type = "pu"` (typedefs.pem): only public key material (not a private key, not a certificate). */
export function parsePublicKey(pem: string): Parsed<KeyObject> {
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) return { ok: false, error: "not a public key" };
  try {
    return { ok: true, value: createPublicKey(pem) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const spki = (key: KeyObject): Buffer => (key.type === "public" ? key : createPublicKey(key)).export({ type: "spki", format: "der" });

/** Whether two keys (public or private) have the same public half. */
export const samePublicKey = (a: KeyObject, b: KeyObject): boolean => spki(a).equals(spki(b));

/** Kong compares the certificate's public key with the private key's public half. */
export function keyMatchesCertificate(certificate: X509Certificate, key: KeyObject): boolean {
  return samePublicKey(certificate.publicKey, key);
}

/** `rsa`, `ec`, `ed25519`, … (node's asymmetricKeyType): what Kong calls the key type. */
export function keyTypeOf(certificate: X509Certificate): string {
  return certificate.publicKey.asymmetricKeyType ?? "unknown";
}

/** Hex SHA-256 of the DER certificate, lower case: Kong's `cert_digest`. */
export function certificateDigest(certificate: X509Certificate): string {
  return createHash("sha256").update(certificate.raw).digest("hex");
}

/** The "Not After" time in milliseconds since the epoch (node gives it as OpenSSL text). */
export function notAfter(certificate: X509Certificate): number {
  return Date.parse(certificate.validTo);
}

/**
 * The basic constraint CA:TRUE. node's `ca` is OpenSSL's X509_check_ca() == 1: that flag, and a
 * keyUsage (when present) allowing certificate signing; Kong reads the flag alone, a difference
 * only a CA that may not sign certificates would notice.
 */
export function isCa(certificate: X509Certificate): boolean {
  return certificate.ca;
}
