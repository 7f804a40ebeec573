import type { X509Certificate } from "node:crypto";
import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { keyMatchesCertificate, keyTypeOf, parseCertificateChain, parsePrivateKey } from "../x509/pem.ts";
import { baseProperties } from "./common.ts";
import type { Certificate } from "./types.ts";

const pem: RecordSchema["properties"][string] = { type: "string", minLength: 1 };

/** Kong's certificates: `cert`/`key` required, optional `cert_alt`/`key_alt` of another key type. */
export const certificateSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "cert", "key"],
  properties: {
    ...baseProperties,
    cert: pem,
    key: { ...pem, encrypted: true },
    cert_alt: { type: ["string", "null"], minLength: 1 },
    key_alt: { type: ["string", "null"], minLength: 1, encrypted: true },
  },
};

/**
 * Kong's certificate checks (kong/db/schema/entities/certificates.lua): each PEM must parse
 * (reported on its field), then, on the entity, the pairs must match and the alternative must be
 * of another key type. `cert` may carry a chain; its first certificate is the one the key signs for.
 */
export function checkCertificate(entity: Certificate): FieldErrors | undefined {
  const fields: FieldErrors = {};
  const cert = parseCertificateChain(entity.cert);
  const key = parsePrivateKey(entity.key);
  if (!cert.ok) fields["cert"] = `invalid certificate: ${cert.error}`;
  if (!key.ok) fields["key"] = `invalid key: ${key.error}`;
  const certAlt = entity.cert_alt === null ? undefined : parseCertificateChain(entity.cert_alt);
  const keyAlt = entity.key_alt === null ? undefined : parsePrivateKey(entity.key_alt);
  if (certAlt && !certAlt.ok) fields["cert_alt"] = `invalid certificate: ${certAlt.error}`;
  if (keyAlt && !keyAlt.ok) fields["key_alt"] = `invalid key: ${keyAlt.error}`;

  const entityErrors: string[] = [];
  if ((certAlt === undefined) !== (keyAlt === undefined))
    entityErrors.push("all or none of these fields must be set: 'cert_alt', 'key_alt'");
  const leaf = (parsed: typeof cert | undefined): X509Certificate | undefined => (parsed?.ok ? parsed.value[0] : undefined);
  // As in Kong, a check runs only when the fields it reads are valid.
  if (cert.ok && key.ok && !keyMatchesCertificate(leaf(cert)!, key.value)) entityErrors.push("certificate does not match key");
  if (certAlt?.ok && keyAlt?.ok && !keyMatchesCertificate(leaf(certAlt)!, keyAlt.value))
    entityErrors.push("alternative certificate does not match key");
  if (cert.ok && certAlt?.ok && keyTypeOf(leaf(cert)!) === keyTypeOf(leaf(certAlt)!))
    entityErrors.push(
      "certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), " +
        "the provided certificates were both of the same type",
    );
  if (entityErrors.length) fields["@entity"] = entityErrors;
  return Object.keys(fields).length ? fields : undefined;
}
