/**
 * Config schema of the `mtls-auth` plugin (Kong Enterprise), as pure data.
 *
 * Source: reference section 4.2 and Appendix B (3.12.x schema) plus `ssl_verify` (3.13) and
 * `san_dirname_matcher` (3.14). Same mapping rules as `openid-connect/schema.ts`: optional
 * Kong fields are nullable, Kong `required` fields are non-nullable and listed in `required`
 * (their defaults are filled before `required` is checked).
 */
import type { RecordSchema } from "@tether/core";

const CONSUMER_BY = ["username", "custom_id"] as const;
const AUTHENTICATED_GROUP_BY = ["CN", "DN"] as const;
const REVOCATION_CHECK_MODES = ["SKIP", "IGNORE_CA_ERROR", "STRICT"] as const;

export type MtlsAuthConsumerBy = (typeof CONSUMER_BY)[number];
export type MtlsAuthRevocationCheckMode = (typeof REVOCATION_CHECK_MODES)[number];

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["ca_certificates", "cache_ttl", "skip_consumer_lookup", "allow_partial_chain"],
  properties: {
    anonymous: {
      type: ["string", "null"],
      description: "Consumer id or username used when authentication fails.",
    },
    consumer_by: {
      type: ["array", "null"],
      items: { type: "string", enum: [...CONSUMER_BY] },
      default: [...CONSUMER_BY],
      description: "Consumer fields matched against the certificate names; [] disables auto-matching.",
    },
    ca_certificates: {
      type: "array",
      items: { type: "string", format: "uuid" },
      description: "Ids of the CA Certificate entities the client chain is verified against.",
    },
    cache_ttl: { type: "number", default: 60, description: "Consumer lookup cache TTL in seconds." },
    skip_consumer_lookup: { type: "boolean", default: false },
    allow_partial_chain: { type: "boolean", default: false },
    authenticated_group_by: {
      type: ["string", "null"],
      enum: [...AUTHENTICATED_GROUP_BY, null],
      default: "CN",
    },
    revocation_check_mode: {
      type: ["string", "null"],
      enum: [...REVOCATION_CHECK_MODES, null],
      default: "IGNORE_CA_ERROR",
    },
    http_timeout: { type: ["number", "null"], default: 30000, description: "OCSP/CRL fetch timeout in milliseconds." },
    cert_cache_ttl: { type: ["number", "null"], default: 60000, description: "Revocation-result cache TTL." },
    send_ca_dn: { type: ["boolean", "null"], default: false },
    default_consumer: {
      type: ["string", "null"],
      description: "Consumer id or username used when the certificate is trusted but no consumer matches.",
    },
    http_proxy_host: { type: ["string", "null"] },
    http_proxy_port: { type: ["integer", "null"], minimum: 0, maximum: 65535 },
    https_proxy_host: { type: ["string", "null"] },
    https_proxy_port: { type: ["integer", "null"], minimum: 0, maximum: 65535 },
    ssl_verify: { type: ["boolean", "null"], default: true, description: "(3.13) Verify OCSP/CRL server certificates." },
    san_dirname_matcher: {
      type: ["array", "null"],
      items: { type: "string" },
      default: [],
      description: "(3.14) DN attributes of a SAN DirectoryName used for consumer lookup.",
    },
  },
};

/** A config as stored/validated: fields with a default are always present (possibly null). */
export interface MtlsAuthConfig {
  anonymous?: string | null;
  consumer_by: MtlsAuthConsumerBy[] | null;
  ca_certificates: string[];
  cache_ttl: number;
  skip_consumer_lookup: boolean;
  allow_partial_chain: boolean;
  authenticated_group_by: (typeof AUTHENTICATED_GROUP_BY)[number] | null;
  revocation_check_mode: MtlsAuthRevocationCheckMode | null;
  http_timeout: number | null;
  cert_cache_ttl: number | null;
  send_ca_dn: boolean | null;
  default_consumer?: string | null;
  http_proxy_host?: string | null;
  http_proxy_port?: number | null;
  https_proxy_host?: string | null;
  https_proxy_port?: number | null;
  ssl_verify: boolean | null;
  san_dirname_matcher: string[] | null;
}

const MUTUALLY_REQUIRED: ReadonlyArray<readonly [keyof MtlsAuthConfig, keyof MtlsAuthConfig]> = [
  ["http_proxy_host", "http_proxy_port"],
  ["https_proxy_host", "https_proxy_port"],
];

/**
 * Kong's record-level checks (`mutually_required` proxy host/port pairs). Returns Kong's
 * message (the first failing check, reported under `fields.config["@entity"]`) or undefined.
 */
export function checkConfig(config: MtlsAuthConfig): string | undefined {
  for (const pair of MUTUALLY_REQUIRED) {
    const set = pair.filter((name) => config[name] !== null && config[name] !== undefined);
    if (set.length !== 0 && set.length !== pair.length) {
      return `all or none of these fields must be set: ${pair.map((name) => `'${name}'`).join(", ")}`;
    }
  }
  return undefined;
}
