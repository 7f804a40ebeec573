import { isIP } from "node:net";
import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField } from "./common.ts";

/** Kong's targets DAO: a target without a port gets this one (kong/db/dao/targets.lua). */
export const DEFAULT_TARGET_PORT = 8000;

export const targetSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "upstream", "target"],
  properties: {
    ...baseProperties,
    upstream: foreignField("upstreams", false),
    target: { type: "string" },
    weight: { type: "integer", minimum: 0, maximum: 65535, default: 100 },
  },
};

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const validPort = (port: string): boolean => /^\d{1,5}$/.test(port) && Number(port) <= 65535;

/**
 * Kong's `normalize_ip` + `format_host(p, 8000)`: `host[:port]` as Kong stores it, an IPv6
 * address in brackets, the port always present; undefined when it is neither host name nor IP.
 */
export function formatTarget(target: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (bracketed) {
    const [, ip, port] = bracketed;
    if (isIP(ip!) !== 6 || (port !== undefined && !validPort(port))) return undefined;
    return `[${ip}]:${port ?? DEFAULT_TARGET_PORT}`;
  }
  if (isIP(target) === 6) return `[${target}]:${DEFAULT_TARGET_PORT}`;
  const [host, port, ...rest] = target.split(":");
  if (rest.length > 0 || !host || (port !== undefined && !validPort(port))) return undefined;
  if (isIP(host) !== 4 && (!HOSTNAME.test(host) || /^[\d.]+$/.test(host))) return undefined;
  return `${host}:${port ?? DEFAULT_TARGET_PORT}`;
}

/**
 * The target in Kong's stored form, or Kong's error for it: a create (POST) is checked by Kong's
 * DAO before the schema (kong/db/dao/targets.lua `format_target`, no value in the message), an
 * update (PATCH/PUT) by the schema's validator (entities/targets.lua, the value quoted).
 */
export function normalizeTarget(input: Record<string, unknown>, creating = false): FieldErrors | undefined {
  const value = input["target"];
  if (typeof value !== "string") return undefined; // left to validation (required / expected a string)
  const formatted = formatTarget(value);
  if (formatted === undefined) {
    return { target: creating ? "Invalid target; not a valid hostname or ip address" : `Invalid target ('${value}'); not a valid hostname or ip address` };
  }
  input["target"] = formatted;
  return undefined;
}

/** Host and port of a stored (formatted) target; an IPv6 host keeps no brackets. */
export function splitTarget(target: string): { host: string; port: number } {
  const at = target.lastIndexOf(":");
  return { host: target.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(target.slice(at + 1)) };
}
