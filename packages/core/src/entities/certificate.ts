import type { X509Certificate } from "node:crypto";
import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { keyMatchesCertificate, keyTypeOf, parseCertificateChain, parsePrivateKey } from "../x509/pem.ts";
import { isReference } from "../vault/reference.ts";
import { baseProperties } from "./common.ts";
import type { Certificate } from "./types.ts";

const pem: RecordSchema["properties"][string] = { type: "string", minLength: 1, referenceable: true };

/**
 * Kong's certificates: `cert`/`key` required, optional `cert_alt`/`key_alt` of another key type;
 * each may be a vault reference (Kong 3.x `referenceable = true`), resolved when the proxy loads.
 */
export const certificateSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "cert", "key"],
  properties: {
    ...baseProperties,
    cert: pem,
    key: { ...pem, encrypted: true },
    cert_alt: { type: ["string", "null"], minLength: 1, referenceable: true },
    key_alt: { type: ["string", "null"], minLength: 1, encrypted: true, referenceable: true },
  },
};

/** A PEM field's parse, or undefined when absent or a vault reference (known only once resolved). */
const parsed = <T>(value: string | null, parse: (pem: string) => T): T | undefined =>
  value === null || isReference(value) ? undefined : parse(value);

/**
 * Kong's certificate checks (kong/db/schema/entities/certificates.lua): each PEM must parse
 * (reported on its field), then, on the entity, the pairs must match and the alternative must be
 * of another key type. `cert` may carry a chain; its first certificate is the one the key signs for.
 * As in Kong, a field holding a vault reference is not parsed and no check reading it runs: its
 * PEM is only known when the proxy resolves it (a bad one is then logged and not served).
 */
export function checkCertificate(entity: Certificate): FieldErrors | undefined {
  const fields: FieldErrors = {};
  const cert = parsed(entity.cert, parseCertificateChain);
  const key = parsed(entity.key, parsePrivateKey);
  const certAlt = parsed(entity.cert_alt, parseCertificateChain);
  const keyAlt = parsed(entity.key_alt, parsePrivateKey);
  if (cert && !cert.ok) fields["cert"] = `invalid certificate: ${cert.error}`;
  if (key && !key.ok) fields["key"] = `invalid key: ${key.error}`;
  if (certAlt && !certAlt.ok) fields["cert_alt"] = `invalid certificate: ${certAlt.error}`;
  if (keyAlt && !keyAlt.ok) fields["key_alt"] = `invalid key: ${keyAlt.error}`;

  const entityErrors: string[] = [];
  if ((entity.cert_alt === null) !== (entity.key_alt === null))
    entityErrors.push("all or none of these fields must be set: 'cert_alt', 'key_alt'");
  const leaf = (chain: typeof cert): X509Certificate | undefined => (chain?.ok ? chain.value[0] : undefined);
  // As in Kong, a check runs only when the fields it reads are valid (and not references).
  if (cert?.ok && key?.ok && !keyMatchesCertificate(leaf(cert)!, key.value)) entityErrors.push("certificate does not match key");
  if (certAlt?.ok && keyAlt?.ok && !keyMatchesCertificate(leaf(certAlt)!, keyAlt.value))
    entityErrors.push("alternative certificate does not match key");
  if (cert?.ok && certAlt?.ok && keyTypeOf(leaf(cert)!) === keyTypeOf(leaf(certAlt)!))
    entityErrors.push(
      "certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), " +
        "the provided certificates were both of the same type",
    );
  if (entityErrors.length) fields["@entity"] = entityErrors;
  return Object.keys(fields).length ? fields : undefined;
}
