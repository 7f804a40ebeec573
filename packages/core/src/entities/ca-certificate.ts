import type { X509Certificate } from "node:crypto";
import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { certificateDigest, countCertificateMarkers, isCa, notAfter, parseCertificate } from "../x509/pem.ts";
import { baseProperties } from "./common.ts";
import type { CaCertificate } from "./types.ts";

export const caCertificateSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "cert"],
  properties: {
    ...baseProperties,
    cert: { type: "string", minLength: 1 },
    cert_digest: { type: ["string", "null"], pattern: "^[0-9a-f]{64}$", message: "invalid value: expected a hex SHA-256 digest" },
  },
};

/**
 * Kong's on_write transformation: `cert_digest` is the hex SHA-256 of the DER certificate, always
 * computed from `cert` (a digest in the body is ignored). A cert that does not parse gets none;
 * checkCaCertificate reports it.
 */
export function computeCertDigest(input: Record<string, unknown>): FieldErrors | undefined {
  delete input["cert_digest"];
  const cert = input["cert"];
  if (typeof cert !== "string") return undefined;
  const parsed = parseCertificate(cert);
  if (parsed.ok) input["cert_digest"] = certificateDigest(parsed.value);
  return undefined;
}

/**
 * Kong's ca_certificates checks, in its order: the (first) certificate parses (on the field), then
 * on the entity: one certificate only, not expired, a CA. `now` is a parameter so the expiry rule
 * can be tested without a clock.
 */
export function checkCaCertificate(entity: CaCertificate, now: number = Date.now()): FieldErrors | undefined {
  const parsed = parseCertificate(entity.cert);
  if (!parsed.ok) return { cert: `invalid certificate: ${parsed.error}` };
  const problem = caProblem(entity.cert, parsed.value, now);
  return problem ? { "@entity": [problem] } : undefined;
}

function caProblem(pem: string, cert: X509Certificate, now: number): string | undefined {
  if (countCertificateMarkers(pem) > 1) return "please submit only one certificate at a time";
  if (notAfter(cert) < now) return 'certificate expired, "Not After" time is in the past';
  if (!isCa(cert)) return 'certificate does not appear to be a CA because it is missing the "CA" basic constraint';
  return undefined;
}
