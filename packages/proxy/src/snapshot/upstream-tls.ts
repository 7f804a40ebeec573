/**
 * The TLS each https service's connections use, built once per config snapshot (Kong's
 * runloop/upstream_ssl.lua `set_service_ssl`): the `client_certificate` presented, whether the
 * upstream's certificate is verified (`tls_verify`), against which CAs (`ca_certificates`) and how
 * deep a chain may be (`tls_verify_depth`).
 */
import { createHash } from "node:crypto";
import tls, { rootCertificates, type ConnectionOptions, type PeerCertificate } from "node:tls";
import type { CaCertificate, Certificate, Service, Upstream } from "@tether/core";

/** The TLS options of one https service's upstream connections. */
export interface UpstreamTls {
  /** Equal for equal settings (contents, not ids): connection pools are shared by it. */
  readonly id: string;
  readonly options: Pick<ConnectionOptions, "cert" | "key" | "ca" | "rejectUnauthorized" | "checkServerIdentity">;
}

/**
 * nginx's `proxy_ssl_verify_depth` default, which Kong leaves in place when a service's
 * `tls_verify_depth` is null.
 */
const NGINX_VERIFY_DEPTH = 1;

/** How many certificates the verified chain holds, the trust anchor included (it names itself as issuer). */
function chainLength(leaf: tls.DetailedPeerCertificate): number {
  let length = 1;
  for (let cert = leaf; cert.issuerCertificate && cert.issuerCertificate !== cert; cert = cert.issuerCertificate) length++;
  return length;
}

/**
 * OpenSSL's depth: levels 0 (the upstream's certificate) to depth + 1 (the trust anchor), so at
 * most `depth` intermediates. Node has no verify-depth option: checked once the chain verified.
 */
export function checkChainDepth(depth: number): NonNullable<ConnectionOptions["checkServerIdentity"]> {
  return (host: string, cert: PeerCertificate) => {
    const nameError = tls.checkServerIdentity(host, cert);
    if (nameError) return nameError;
    const length = chainLength(cert as tls.DetailedPeerCertificate);
    return length > depth + 2 ? new Error(`certificate chain too long: ${length} certificates, tls_verify_depth ${depth}`) : undefined;
  };
}

/**
 * The CAs a service verifying its upstream without `ca_certificates` trusts: the node's, as for
 * every outbound call (the system CAs plus the `trusted_certificate` files, in PEM); undefined
 * for the system CAs alone, Node's default.
 */
export function nodeTrustOf(trustedCertificates: readonly string[]): readonly string[] | undefined {
  return trustedCertificates.length ? [...rootCertificates, ...trustedCertificates] : undefined;
}

/**
 * A service's upstream TLS, or undefined when it has none of its own (not https, or nothing set:
 * Node's defaults then match Kong's, no client certificate and no verification). `tls_verify`
 * null is Kong's global `nginx_proxy_proxy_ssl_verify`, off by default; verifying with no
 * `ca_certificates` trusts `nodeTrust` (nodeTrustOf).
 */
export function upstreamTlsOf(
  service: Service,
  certificate: (id: string) => Certificate | undefined,
  caCertificate: (id: string) => CaCertificate | undefined,
  nodeTrust?: readonly string[],
): UpstreamTls | undefined {
  if (service.protocol !== "https") return undefined;
  const client = service.client_certificate ? certificate(service.client_certificate.id) : undefined;
  const verify = service.tls_verify === true;
  if (!client && !verify) return undefined;
  // The store refuses unknown ids (foreign keys, the CA delete guard): a missing one is skipped.
  const ca = (service.ca_certificates ?? []).flatMap((id) => caCertificate(id)?.cert ?? []);
  const trust = ca.length ? ca : nodeTrust;
  const depth = service.tls_verify_depth ?? NGINX_VERIFY_DEPTH;
  const options: UpstreamTls["options"] = {
    rejectUnauthorized: verify,
    ...(client ? { cert: client.cert, key: client.key } : {}),
    ...(verify && trust ? { ca: [...trust] } : {}),
    ...(verify ? { checkServerIdentity: checkChainDepth(depth) } : {}),
  };
  // The node's trust is the same for the process's life: no CAs listed stands for it.
  const id = createHash("sha256")
    .update(JSON.stringify([client?.cert ?? null, client?.key ?? null, verify, verify ? ca : null, verify ? depth : null]))
    .digest("base64url");
  return { id, options };
}

/**
 * The service as its upstream TLS sees it: without a `client_certificate` of its own, a balanced
 * service presents its upstream's (Kong's `fallback_upstream_client_cert`, runloop/upstream_ssl.lua).
 */
export function withUpstreamClientCertificate(service: Service, upstream: Pick<Upstream, "client_certificate"> | undefined): Service {
  return !service.client_certificate && upstream?.client_certificate ? { ...service, client_certificate: upstream.client_certificate } : service;
}

/** Every https service's upstream TLS, by service id; `nodeTrust` as nodeTrustOf makes it. */
export function buildUpstreamTls(
  services: readonly Service[],
  certificate: (id: string) => Certificate | undefined,
  caCertificate: (id: string) => CaCertificate | undefined,
  nodeTrust?: readonly string[],
): ReadonlyMap<string, UpstreamTls> {
  const byService = new Map<string, UpstreamTls>();
  for (const service of services) {
    const settings = upstreamTlsOf(service, certificate, caCertificate, nodeTrust);
    if (settings) byService.set(service.id, settings);
  }
  return byService;
}

/**
 * What a pool's connections are made with: the certificate, key and CAs parsed once into a
 * SecureContext (tls.connect would parse them again for each connection, ~40 ms for a system CA
 * bundle). Without TLS settings of its own a service's certificate is not verified (Kong's default).
 */
export function connectOptionsOf(settings: UpstreamTls | undefined): ConnectionOptions {
  if (!settings) return { rejectUnauthorized: false };
  const { cert, key, ca, ...verification } = settings.options;
  return { ...verification, secureContext: tls.createSecureContext({ cert, key, ca }) };
}
