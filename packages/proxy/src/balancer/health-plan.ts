import { isIP } from "node:net";
import { splitTarget, type Certificate, type ConfigData, type Healthchecks, type Upstream } from "@tether/core";
import { healthKey } from "./health-state.ts";
import type { ProbeRequest } from "./probe.ts";

/** One upstream's active checks as a snapshot compiles them: the settings and a probe per target. */
export interface UpstreamProbes {
  readonly upstreamId: string;
  readonly checks: Healthchecks["active"];
  readonly targets: readonly { readonly target: string; readonly probe: ProbeRequest }[];
}

/** What a configuration asks of the process's health checking; part of the immutable snapshot. */
export interface HealthPlan {
  /** Every target of every upstream (healthKey): the health of any other is forgotten. */
  readonly targets: ReadonlySet<string>;
  /** The upstreams with an active interval, probed from this process. */
  readonly probes: readonly UpstreamProbes[];
}

/** The probe types lua-resty-healthcheck runs (its `check_valid_type`): grpc and grpcs are not probed. */
const isProbed = (type: Healthchecks["active"]["type"]): type is ProbeRequest["type"] => type === "tcp" || type === "http" || type === "https";

const bracketed = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/**
 * lua-resty-healthcheck's request: `GET <http_path> HTTP/1.0`, the configured headers (each value
 * of a name on a line of its own), and Host: the upstream's `host_header`, else the target's host
 * (Kong's healthcheckers.lua adds each target with `upstream.host_header`).
 */
export function probeRequestText(checks: Healthchecks["active"], host: string, hostHeader: string | null): string {
  const headers = Object.entries(checks.headers ?? {}).flatMap(([name, values]) => values.map((v) => `${name}: ${v}\r\n`));
  return `GET ${checks.http_path} HTTP/1.0\r\n${headers.join("")}Host: ${hostHeader ?? bracketed(host)}\r\n\r\n`;
}

/**
 * The https probe's TLS: SNI `https_sni`, else the target's host when it is a name; verified
 * (`https_verify_certificate`) against the node's trust (`nodeTrust`, undefined for the system
 * CAs, as Kong's `lua_ssl_trusted_certificate`); the upstream's `client_certificate` presented.
 */
function probeTls(
  upstream: Upstream,
  host: string,
  certificate: (id: string) => Certificate | undefined,
  nodeTrust: readonly string[] | undefined,
): ProbeRequest["tls"] {
  const { https_sni, https_verify_certificate } = upstream.healthchecks.active;
  const servername = https_sni ?? (isIP(host) ? undefined : host);
  const client = upstream.client_certificate ? certificate(upstream.client_certificate.id) : undefined;
  return {
    rejectUnauthorized: https_verify_certificate,
    ...(servername ? { servername } : {}),
    ...(https_verify_certificate && nodeTrust ? { ca: [...nodeTrust] } : {}),
    ...(client ? { cert: client.cert, key: client.key } : {}),
  };
}

/**
 * Kong creates a healthchecker for every upstream, used by a service or not, and adds the targets
 * of weight > 0 (healthcheckers.lua `populate_healthchecker`). An interval of 0 turns that side's
 * probing off; both at 0, the upstream is not probed.
 */
export function compileHealthPlan(
  data: Pick<ConfigData, "upstreams" | "targets">,
  certificate: (id: string) => Certificate | undefined,
  nodeTrust: readonly string[] | undefined,
): HealthPlan {
  const probes: UpstreamProbes[] = [];
  for (const upstream of data.upstreams) {
    const checks = upstream.healthchecks.active;
    const type = checks.type;
    if ((checks.healthy.interval <= 0 && checks.unhealthy.interval <= 0) || !isProbed(type)) continue;
    const targets = data.targets
      .filter((t) => t.upstream.id === upstream.id && t.weight > 0)
      .map((t) => {
        const { host, port } = splitTarget(t.target);
        const probe: ProbeRequest = {
          type,
          host,
          port,
          timeoutMs: checks.timeout * 1000,
          request: probeRequestText(checks, host, upstream.host_header),
          tls: type === "https" ? probeTls(upstream, host, certificate, nodeTrust) : {},
        };
        return { target: t.target, probe };
      });
    probes.push({ upstreamId: upstream.id, checks, targets });
  }
  return { targets: new Set(data.targets.map((t) => healthKey(t.upstream.id, t.target))), probes };
}
