import { X509Certificate } from "node:crypto";
import type { ClientCertificate, Route } from "@tether/core";
import { thumbprintOf } from "../http/client-certificate.ts";
import type { BoundPlugin, Snapshot } from "../snapshot/compile.ts";
import { capturingLogs, type CapturedLine } from "./captured-log.ts";
import { dryRun, type DryRunOutcome } from "./dry-run.ts";
import { proofThumbprint, tokenReport, type Expectations, type TokenReport } from "./token-report.ts";

/** What an operator gives to ask "why was this refused?". */
export interface ExplainInput {
  token: string;
  /** The client certificate (PEM; certificates after the first are its chain). */
  certificate?: string;
  /** A DPoP proof (RFC 9449): sent as the `DPoP` header, with `Authorization: DPoP`. */
  dpop?: string;
  method?: string;
  path?: string;
  host?: string;
}

export interface Explanation extends DryRunOutcome {
  route: { id: string; name: string | null };
  request: { method: string; path: string; host: string; scheme: "http" | "https"; authorization: "Bearer" | "DPoP"; certificate: boolean };
  /** True when no plugin ended the request: it would reach the upstream. */
  passes: boolean;
  wwwAuthenticate: string | undefined;
  token: TokenReport;
  /** What the plugins logged while deciding (every level), for this call only. */
  logs: CapturedLine[];
}

/** A field of the input that cannot be used, with the reason (the Admin API's 400). */
export interface InvalidInput {
  invalid: { field: keyof ExplainInput; message: string };
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificate as the proxy hands it to plugins (leaf DER, its x5t#S256, the chain after it); undefined if unreadable. */
export function presentedCertificate(pem: string): ClientCertificate | undefined {
  try {
    const [leaf, ...chain] = (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block).raw);
    return leaf && { der: leaf, thumbprint: thumbprintOf(leaf), presentedChain: () => chain };
  } catch {
    return undefined;
  }
}

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/** What the route's openid-connect instances expect, from the configuration the proxy runs. */
function expectationsOf(plugins: readonly BoundPlugin[]): Expectations {
  const oidc = plugins.filter((p) => p.definition.name === "openid-connect").map((p) => p.instance.config);
  const scopesClaim = oidc.map((c) => stringList(c["scopes_claim"])).find((claim) => claim.length > 0) ?? ["scope"];
  return {
    issuers: oidc.map((c) => c["issuer"]).filter((issuer): issuer is string => typeof issuer === "string"),
    scopesRequired: oidc.flatMap((c) => stringList(c["scopes_required"])),
    scopesClaim,
  };
}

/** The first path a client could send to reach `route` (regex paths give way to `/`). */
function defaultPath(route: Route): string {
  const plain = route.paths?.find((p) => !p.startsWith("~"));
  return plain ?? "/";
}

/**
 * "Why was I refused?": the route's real plugin chain, from the snapshot the proxy is serving,
 * run on the request the client says it made, with what the token and certificate say beside it.
 * The token goes into the request's headers only: it is never logged nor returned.
 */
export async function explain(snapshot: Snapshot, route: Route, input: ExplainInput, now = Date.now()): Promise<Explanation | InvalidInput> {
  const certificate = input.certificate === undefined ? undefined : presentedCertificate(input.certificate);
  if (input.certificate !== undefined && !certificate) return { invalid: { field: "certificate", message: "expected a PEM encoded certificate" } };
  const method = (input.method ?? route.methods?.[0] ?? "GET").toUpperCase();
  const path = input.path ?? defaultPath(route);
  const host = input.host ?? route.hosts?.find((h) => !h.includes("*")) ?? "localhost";
  const scheme = input.dpop === undefined ? "Bearer" : "DPoP";
  const headers = { authorization: `${scheme} ${input.token}`, ...(input.dpop === undefined ? {} : { dpop: input.dpop }) };
  const { result, lines } = await capturingLogs(() => dryRun(snapshot, route, { method, path, host, headers, certificate }));
  const proofJkt = input.dpop === undefined ? undefined : await proofThumbprint(input.dpop);
  const token = tokenReport(input.token, expectationsOf(snapshot.pluginsFor(route)), { ...(certificate ? { x5tS256: certificate.thumbprint } : {}), ...(proofJkt ? { proofJkt } : {}) }, now);
  const challenge = result.response?.headers?.["WWW-Authenticate"] ?? result.response?.headers?.["www-authenticate"];
  return {
    route: { id: route.id, name: route.name },
    request: { method, path, host, scheme: result.scheme, authorization: scheme, certificate: certificate !== undefined },
    ...result,
    passes: result.response === undefined,
    wwwAuthenticate: challenge,
    token,
    logs: lines,
  };
}
