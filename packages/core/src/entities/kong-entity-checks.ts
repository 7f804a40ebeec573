import type { KongEntityCheck } from "../schema/kong-format.ts";
import type { EntityName } from "./types.ts";
import { keyEntityChecks } from "./key.ts";
import { upstreamEntityChecks } from "./upstream.ts";

/**
 * Our entity checks (the `check` functions in the entity files) described in Kong's
 * declarative `entity_checks` vocabulary, for `GET /schemas/{entity}`. The functions stay the
 * source of truth for validation; this is what clients read to know the rules in advance.
 * Keep each list in step with its entity's check function.
 */
const nullUnlessTls = (field: string): KongEntityCheck => ({
  conditional: { if_field: "protocol", if_match: { not_one_of: ["https", "tls"] }, then_field: field, then_match: { eq: null } },
});

export const kongEntityChecks: Readonly<Partial<Record<EntityName, readonly KongEntityCheck[]>>> = {
  services: [
    {
      conditional: {
        if_field: "protocol",
        if_match: { one_of: ["tcp", "tls", "udp", "tls_passthrough", "grpc", "grpcs"] },
        then_field: "path",
        then_match: { eq: null },
      },
    },
    nullUnlessTls("client_certificate"),
    nullUnlessTls("tls_verify"),
    nullUnlessTls("tls_verify_depth"),
    nullUnlessTls("ca_certificates"),
  ],
  routes: [
    {
      conditional: {
        if_field: "protocols",
        if_match: { elements: { type: "string", not_one_of: ["grpcs", "https", "tls", "tls_passthrough"] } },
        then_field: "snis",
        then_match: { len_eq: 0 },
        then_err: "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'",
      },
    },
    {
      conditional_at_least_one_of: {
        if_field: "protocols",
        if_match: { contains: "https" },
        then_at_least_one_of: ["methods", "hosts", "headers", "paths", "snis"],
        then_err: "must set one of %s when 'protocols' is 'https'",
        else_match: { contains: "http" },
        else_then_at_least_one_of: ["methods", "hosts", "headers", "paths"],
        else_then_err: "must set one of %s when 'protocols' is 'http'",
      },
    },
  ],
  consumers: [{ at_least_one_of: ["custom_id", "username"] }],
  upstreams: upstreamEntityChecks,
  keys: keyEntityChecks,
};
