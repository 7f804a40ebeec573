import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField, nameField, uuidField } from "./common.ts";
import type { Service } from "./types.ts";

const timeout = { type: "integer", minimum: 1, maximum: 2147483646, default: 60000 } as const;

export const serviceSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "host"],
  properties: {
    ...baseProperties,
    name: nameField,
    protocol: {
      type: "string",
      enum: ["grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"],
      default: "http",
    },
    host: {
      type: "string",
      minLength: 1,
      pattern: "^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?)$",
      message: "invalid hostname",
    },
    port: { type: "integer", minimum: 0, maximum: 65535, default: 80 },
    path: { type: ["string", "null"], pattern: "^/", message: "should start with: /" },
    retries: { type: "integer", minimum: 0, maximum: 32767, default: 5 },
    connect_timeout: timeout,
    write_timeout: timeout,
    read_timeout: timeout,
    client_certificate: foreignField("certificates"),
    tls_verify: { type: ["boolean", "null"] },
    tls_verify_depth: { type: ["integer", "null"], minimum: 0, maximum: 64 },
    ca_certificates: { type: ["array", "null"], items: uuidField },
    enabled: { type: "boolean", default: true },
  },
};

/** Write-only `url` shorthand: sets protocol, host, port and path at once (never returned). */
export function expandServiceUrl(input: Record<string, unknown>): FieldErrors | undefined {
  if (!("url" in input)) return undefined;
  const url = input["url"];
  delete input["url"];
  if (url === null || url === undefined) return undefined;
  if (typeof url !== "string") return { url: "expected a string" };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url: "missing host in url" };
  }
  if (!parsed.hostname) return { url: "missing host in url" };
  const protocol = parsed.protocol.replace(/:$/, "");
  input["protocol"] = protocol;
  input["host"] = parsed.hostname;
  input["port"] = parsed.port ? Number(parsed.port) : defaultPortOf(protocol);
  input["path"] = parsed.pathname && parsed.pathname !== "/" ? parsed.pathname : url.match(/^[a-z]+:\/\/[^/]+\/$/i) ? "/" : null;
  return undefined;
}

/** True when the gateway speaks TLS to a service of this protocol. */
export function upstreamUsesTls(protocol: string): boolean {
  return protocol === "https" || protocol === "grpcs" || protocol === "tls";
}

/** The port a service URL without one gets, and that Host leaves out (Kong: 443 over TLS, else 80). */
export function defaultPortOf(protocol: string): number {
  return upstreamUsesTls(protocol) ? 443 : 80;
}

/** Kong's entity checks for services beyond per-field validation. */
export function checkService(service: Service): FieldErrors | undefined {
  const streamish = ["tcp", "tls", "udp", "tls_passthrough", "grpc", "grpcs"].includes(service.protocol);
  if (streamish && service.path !== null) return { path: `value must be null` };
  if (service.path?.includes("//")) return { path: "must not have empty segments" };
  const tlsOnly = service.protocol === "https" || service.protocol === "tls";
  if (!tlsOnly) {
    for (const field of ["client_certificate", "tls_verify", "tls_verify_depth", "ca_certificates"] as const)
      if (service[field] !== null)
        return { [field]: `value must be null` };
  }
  return undefined;
}
