import type { RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField } from "./common.ts";

/** mtls-auth's `mtls_auth_credentials`: subject name (SAN or CN) → consumer, optionally per CA. */
export const mtlsAuthCredentialSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "consumer", "subject_name"],
  properties: {
    ...baseProperties,
    consumer: foreignField("consumers", false),
    subject_name: { type: "string", minLength: 1 },
    ca_certificate: foreignField("ca_certificates"),
  },
};
