/**
 * The client certificate a TLS terminator forwarded, from the header value(s) as received, in
 * one of the `certificate_header_format`s. Pure. Anything that is not exactly one well-formed
 * certificate (garbage, truncation, several certificates, a repeated singleton header, an
 * oversized value) is `invalid`: the request is treated as carrying no certificate.
 */
import type { CertificateHeaderFormat } from "../schema.ts";
import { base64EncodedCertificate } from "./base64-encoded.ts";
import { MAX_HEADER_CHARS } from "./der.ts";
import { rfc9440Certificate, rfc9440Chain } from "./rfc9440.ts";
import { urlEncodedCertificate } from "./url-encoded.ts";
import { xfccCertificate } from "./xfcc.ts";

/** RFC 9440's companion header with the intermediates (format `rfc9440` only). */
export const CLIENT_CERT_CHAIN = "client-cert-chain";

export interface ForwardedHeaders {
  /** Every line of the certificate header, in order (several lines of a singleton header are refused). */
  certificate: readonly string[];
  /** Every `Client-Cert-Chain` line (rfc9440). */
  chain: readonly string[];
}

export type ForwardedCertificate =
  | { readonly kind: "absent" }
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "certificate"; readonly leaf: Buffer; readonly chain: readonly Buffer[] };

const invalid = (reason: string): ForwardedCertificate => ({ kind: "invalid", reason });

const SINGLE: Record<Exclude<CertificateHeaderFormat, "xfcc">, (value: string) => Buffer | undefined> = {
  url_encoded: urlEncodedCertificate,
  base64_encoded: base64EncodedCertificate,
  rfc9440: rfc9440Certificate,
};

export function parseForwardedCertificate(format: CertificateHeaderFormat, headers: ForwardedHeaders): ForwardedCertificate {
  if (headers.certificate.length === 0) return format === "rfc9440" && headers.chain.length > 0 ? invalid("Client-Cert-Chain without Client-Cert") : { kind: "absent" };
  const size = [...headers.certificate, ...headers.chain].reduce((n, line) => n + line.length, 0);
  if (size > MAX_HEADER_CHARS) return invalid(`certificate headers of ${size} characters`);

  if (format === "xfcc") {
    // A list header: several lines are one list, in order (RFC 9110 section 5.3).
    const found = xfccCertificate(headers.certificate.join(","));
    return "invalid" in found ? invalid(found.invalid) : { kind: "certificate", leaf: found.leaf, chain: found.chain };
  }
  if (headers.certificate.length > 1) return invalid("certificate header sent more than once");
  const leaf = SINGLE[format](headers.certificate[0]!);
  if (!leaf) return invalid(`not a ${format} certificate`);
  if (format !== "rfc9440") return { kind: "certificate", leaf, chain: [] };
  const chain = rfc9440Chain(headers.chain.length ? headers.chain.join(",") : undefined);
  return chain ? { kind: "certificate", leaf, chain } : invalid("Client-Cert-Chain is not a list of certificates");
}
