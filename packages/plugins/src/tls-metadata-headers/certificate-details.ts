import { createHash, X509Certificate } from "node:crypto";
import type { ClientCertificate } from "@tether/core";
import { rfc2253 } from "./distinguished-name.ts";

/** What the plugin tells the upstream about a client certificate, in nginx's `$ssl_client_*` formats. */
export interface CertificateDetails {
  /** The leaf and the intermediates it came with, PEM, URL-encoded (`$ssl_client_escaped_cert`; Kong 3.8+ adds the chain). */
  readonly escapedPem: string;
  /** Uppercase hex, as `$ssl_client_serial` and `openssl x509 -serial`. */
  readonly serial: string;
  readonly issuerDn: string;
  readonly subjectDn: string;
  /** Lowercase hex SHA-1 of the DER, no separators, as `$ssl_client_fingerprint`. */
  readonly fingerprint: string;
}

const pemOf = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;

function readDetails(presented: ClientCertificate): CertificateDetails {
  const leaf = new X509Certificate(presented.der);
  const pem = [presented.der, ...(presented.presentedChain?.() ?? [])].map(pemOf).join("");
  return {
    escapedPem: encodeURIComponent(pem),
    serial: leaf.serialNumber.toUpperCase(),
    issuerDn: rfc2253(leaf.issuer),
    subjectDn: rfc2253(leaf.subject),
    fingerprint: createHash("sha1").update(presented.der).digest("hex"),
  };
}

/** The proxy hands out one ClientCertificate per connection: keep-alive requests parse it once. */
const detailsByConnection = new WeakMap<ClientCertificate, CertificateDetails | null>();

/** The details of a presented certificate, or undefined when Node cannot read it. */
export function certificateDetails(presented: ClientCertificate): CertificateDetails | undefined {
  let details = detailsByConnection.get(presented);
  if (details === undefined) {
    try {
      details = readDetails(presented);
    } catch {
      details = null;
    }
    detailsByConnection.set(presented, details);
  }
  return details ?? undefined;
}
