import type { FieldErrors } from "../errors/kong-error.ts";
import type { FieldSchema, RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField, nameField } from "./common.ts";
import type { Route } from "./types.ts";

const protocols = ["grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"] as const;
const hostField: FieldSchema = {
  type: "string",
  pattern: "^(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?(\\.\\*)?(:[0-9]{1,5})?$|^\\[[0-9a-fA-F:.]+\\](:[0-9]{1,5})?$",
  message: "invalid hostname",
};

/** A stream route's source/destination: `{"ip": "10.0.0.0/8", "port": 1234}`, nothing else. */
const endpointField: FieldSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    ip: { type: ["string", "null"] },
    port: { type: ["integer", "null"], minimum: 0, maximum: 65535 },
  },
};

export const routeSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: {
    ...baseProperties,
    name: nameField,
    protocols: {
      type: "array",
      kongType: "set",
      minItems: 1,
      items: { type: "string", enum: [...protocols] },
      default: ["http", "https"],
    },
    methods: {
      type: ["array", "null"],
      kongType: "set",
      items: { type: "string", pattern: "^[A-Z]+$", message: "invalid value: must be an uppercase HTTP method" },
    },
    hosts: { type: ["array", "null"], items: hostField },
    paths: {
      type: ["array", "null"],
      items: { type: "string", pattern: "^(/|~)", message: "should start with: / (fixed path) or ~/ (regex path)" },
    },
    headers: {
      type: ["object", "null"],
      kongType: "map",
      additionalProperties: { type: "array", items: { type: "string" }, minItems: 1 },
    },
    snis: { type: ["array", "null"], kongType: "set", items: hostField },
    sources: { type: ["array", "null"], items: endpointField },
    destinations: { type: ["array", "null"], items: endpointField },
    strip_path: { type: "boolean", default: true },
    preserve_host: { type: "boolean", default: false },
    regex_priority: { type: "integer", default: 0 },
    https_redirect_status_code: { type: "integer", enum: [426, 301, 302, 307, 308], default: 426 },
    path_handling: { type: "string", enum: ["v0", "v1"], default: "v0" },
    request_buffering: { type: "boolean", default: true },
    response_buffering: { type: "boolean", default: true },
    service: foreignField("services"),
  },
};

const http = new Set(["http", "https"]);

/** Kong's route entity checks (reference 1.7.2) that a per-field schema cannot express. */
export function checkRoute(route: Route): FieldErrors | undefined {
  const errors: FieldErrors = {};
  const entity: string[] = [];
  const isHttp = route.protocols.some((p) => http.has(p));
  if (isHttp && route.protocols.some((p) => !http.has(p)))
    return { protocols: "these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp'), ('tls_passthrough'), ('grpc', 'grpcs')" };
  if (isHttp) {
    const hasHttps = route.protocols.includes("https");
    const set = [route.methods, route.hosts, route.headers && Object.keys(route.headers).length ? route.headers : null, route.paths];
    if (hasHttps) set.push(route.snis);
    if (set.every((v) => v === null || (Array.isArray(v) && v.length === 0)))
      entity.push(
        hasHttps
          ? "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"
          : "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
      );
    if (route.snis && route.snis.length > 0 && !hasHttps)
      errors["snis"] = "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'";
  }
  if (route.headers && Object.keys(route.headers).some((h) => h.toLowerCase() === "host"))
    errors["headers"] = "cannot contain 'host' header, which must be specified in the 'hosts' attribute";
  const pathErrors = (route.paths ?? []).map(checkPath);
  if (pathErrors.some((e) => e !== null)) errors["paths"] = pathErrors;
  const hostErrors = (route.hosts ?? []).map(checkWildcard);
  if (hostErrors.some((e) => e !== null)) errors["hosts"] = hostErrors;
  if (entity.length) errors["@entity"] = entity;
  return Object.keys(errors).length ? errors : undefined;
}

function checkPath(path: string): string | null {
  if (path.startsWith("~")) {
    try {
      new RegExp(path.slice(1), "u");
      return null;
    } catch (e) {
      return `invalid regex: '${path.slice(1)}' (${(e as Error).message})`;
    }
  }
  if (path.includes("//")) return "must not have empty segments";
  return null;
}

function checkWildcard(host: string): string | null {
  const stars = host.split("*").length - 1;
  if (stars === 0) return null;
  if (stars > 1) return "invalid wildcard: must have at most one wildcard";
  if (!host.startsWith("*.") && !/\.\*(:\d+)?$/.test(host))
    return "invalid wildcard: must be placed at leftmost or rightmost label";
  return null;
}
