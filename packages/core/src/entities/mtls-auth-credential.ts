import type { RecordSchema } from "../schema/types.ts";
import { foreignField, tagsField, timestampField, uuidField } from "./common.ts";

/**
 * mtls-auth's `mtls_auth_credentials`: subject name (SAN or CN) → consumer, optionally per CA.
 * Kong's table has no `updated_at` (id, created_at, consumer, subject_name, ca_certificate, tags),
 * so the entity has none either: a body carrying one is an unknown field, as in Kong.
 */
export const mtlsAuthCredentialSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "consumer", "subject_name"],
  properties: {
    id: uuidField,
    created_at: timestampField,
    consumer: foreignField("consumers", false),
    subject_name: { type: "string", minLength: 1 },
    ca_certificate: foreignField("ca_certificates"),
    tags: tagsField,
  },
};
