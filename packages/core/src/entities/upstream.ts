import type { FieldErrors } from "../errors/kong-error.ts";
import type { FieldSchema, RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField } from "./common.ts";
import type { HashOn, Upstream } from "./types.ts";
import { healthchecksField } from "./upstream-healthchecks.ts";

const HASH_ON: readonly HashOn[] = ["none", "consumer", "ip", "header", "cookie", "path", "query_arg", "uri_capture"];
const hashOn: FieldSchema = { type: "string", enum: HASH_ON, default: "none" };
// Kong's typedefs.header_name / cookie_name: letters, digits, `_` and `-`.
const headerName: FieldSchema = {
  type: ["string", "null"],
  pattern: "^[A-Za-z0-9_-]+$",
  message: "bad header name '%s', allowed characters are A-Z, a-z, 0-9, '_', and '-'",
};
const simpleParam: FieldSchema = { type: ["string", "null"], minLength: 1 };
const HOSTNAME = "[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?";

export const upstreamSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "name"],
  properties: {
    ...baseProperties,
    name: { type: "string" },
    algorithm: { type: "string", enum: ["consistent-hashing", "least-connections", "round-robin", "latency"], default: "round-robin" },
    hash_on: hashOn,
    hash_fallback: hashOn,
    hash_on_header: headerName,
    hash_fallback_header: headerName,
    hash_on_cookie: { ...headerName, message: "bad cookie name '%s', allowed characters are A-Z, a-z, 0-9, '_', and '-'" },
    hash_on_cookie_path: { type: "string", pattern: "^/", message: "should start with: /", default: "/" },
    hash_on_query_arg: simpleParam,
    hash_fallback_query_arg: simpleParam,
    hash_on_uri_capture: simpleParam,
    hash_fallback_uri_capture: simpleParam,
    slots: { type: "integer", minimum: 10, maximum: 65536, default: 10000 },
    healthchecks: healthchecksField,
    host_header: {
      type: ["string", "null"],
      pattern: `^(${HOSTNAME}|\\[[0-9a-fA-F:.]+\\])(:[0-9]{1,5})?$`,
      message: "invalid hostname: %s",
    },
    client_certificate: foreignField("certificates"),
    use_srv_name: { type: "boolean", default: false },
  },
};

/**
 * Kong's shorthands on write (upstreams.lua `shorthand_fields`, applied in this order):
 * least-connections and latency clear `hash_on`; then a `hash_on` other than none makes the
 * algorithm consistent-hashing, and none makes it round-robin.
 */
export function applyUpstreamShorthands(input: Record<string, unknown>): FieldErrors | undefined {
  if (input["algorithm"] === "least-connections" || input["algorithm"] === "latency") input["hash_on"] = null;
  if ("hash_on" in input) {
    const value = input["hash_on"];
    if (value === null) input["hash_on"] = "none";
    else if (value === "none") input["algorithm"] = "round-robin";
    else if (value !== undefined) input["algorithm"] = "consistent-hashing";
  }
  return undefined;
}

const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}(:\d+)?|\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\]?(:\d+)?)$/;

/** Kong's `validate_name`: a host name, neither an IP address nor with a port. */
export function upstreamNameError(name: string): string | undefined {
  const label = `Invalid name ('${name}')`;
  if (IP_ADDRESS.test(name)) return `${label}; no ip addresses allowed`;
  const [host, port] = name.split(":");
  if (!new RegExp(`^${HOSTNAME}$`).test(host ?? "") || (port !== undefined && !/^\d+$/.test(port))) return `${label}; must be a valid hostname`;
  if (port !== undefined) return `${label}; no port allowed`;
  return undefined;
}

type HashField = "hash_on" | "hash_fallback";
/** Kong's upstream entity checks as data: checked by checkUpstream, described by upstreamEntityChecks. */
type Rule =
  | { required: keyof Upstream; when: HashField; is: HashOn }
  | { fallbackOneOf: readonly HashOn[]; is: HashOn }
  | { distinct: readonly [keyof Upstream, keyof Upstream] };

const others = (excluded: HashOn): HashOn[] => HASH_ON.filter((h) => h !== excluded);

/** In Kong's order (the first failing one is reported). */
const RULES: readonly Rule[] = [
  { required: "hash_on_header", when: "hash_on", is: "header" },
  { required: "hash_fallback_header", when: "hash_fallback", is: "header" },
  { required: "hash_on_cookie", when: "hash_on", is: "cookie" },
  { required: "hash_on_cookie", when: "hash_fallback", is: "cookie" },
  { fallbackOneOf: ["none"], is: "none" },
  { fallbackOneOf: ["none"], is: "cookie" },
  { fallbackOneOf: others("consumer"), is: "consumer" },
  { fallbackOneOf: others("ip"), is: "ip" },
  // Kong's list for path is in its own order (the error message quotes it).
  { fallbackOneOf: ["none", "consumer", "header", "cookie", "query_arg", "ip", "uri_capture"], is: "path" },
  { distinct: ["hash_on_header", "hash_fallback_header"] },
  { required: "hash_on_query_arg", when: "hash_on", is: "query_arg" },
  { required: "hash_fallback_query_arg", when: "hash_fallback", is: "query_arg" },
  { distinct: ["hash_on_query_arg", "hash_fallback_query_arg"] },
  { required: "hash_on_uri_capture", when: "hash_on", is: "uri_capture" },
  { required: "hash_fallback_uri_capture", when: "hash_fallback", is: "uri_capture" },
  { distinct: ["hash_on_uri_capture", "hash_fallback_uri_capture"] },
];

const failedConditional = (field: HashField): string => `failed conditional validation given value of field '${field}'`;

function violation(u: Upstream, rule: Rule): FieldErrors | undefined {
  if ("distinct" in rule) {
    const [a, b] = rule.distinct;
    return u[a] !== null && u[a] === u[b] ? { "@entity": [`values of these fields must be distinct: '${a}', '${b}'`] } : undefined;
  }
  if ("required" in rule)
    return u[rule.when] === rule.is && u[rule.required] === null ? { "@entity": [failedConditional(rule.when)], [rule.required]: "required field missing" } : undefined;
  return u.hash_on === rule.is && !rule.fallbackOneOf.includes(u.hash_fallback)
    ? { "@entity": [failedConditional("hash_on")], hash_fallback: `expected one of: ${rule.fallbackOneOf.join(", ")}` }
    : undefined;
}

/** The same rules in Kong's `entity_checks` vocabulary, for `GET /schemas/upstreams`. */
export const upstreamEntityChecks: readonly Record<string, unknown>[] = RULES.map((rule) => {
  if ("distinct" in rule) return { distinct: rule.distinct };
  if ("required" in rule)
    return { conditional: { if_field: rule.when, if_match: { match: `^${rule.is}$` }, then_field: rule.required, then_match: { required: true } } };
  return { conditional: { if_field: "hash_on", if_match: { match: `^${rule.is}$` }, then_field: "hash_fallback", then_match: { one_of: rule.fallbackOneOf } } };
});

export function checkUpstream(upstream: Upstream): FieldErrors | undefined {
  const nameError = upstreamNameError(upstream.name);
  if (nameError) return { name: nameError };
  for (const rule of RULES) {
    const errors = violation(upstream, rule);
    if (errors) return errors;
  }
  return undefined;
}
