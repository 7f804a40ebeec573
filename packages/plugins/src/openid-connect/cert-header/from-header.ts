/**
 * `proof_of_possession_mtls_from_header` at request time: the certificate a TLS terminator in
 * front forwarded, believed only when the peer is one of the node's `trusted_ips` (unless
 * `secure_source` is off), and only when it chains to the configured CAs and is not revoked
 * (mtls-auth's verification, shared). What is not believed is no certificate at all, so
 * `proof_of_possession_mtls` answers as for a connection without one.
 */
import { createHash } from "node:crypto";
import type { AccessContext, ClientCertificate, ConfigView, PluginEnvironment, Thumbprint } from "@tether/core";
import { clientVerifier } from "../../mtls-auth/verify-client.ts";
import type { CertificateFromHeaderConfig } from "../schema.ts";
import { CLIENT_CERT_CHAIN, parseForwardedCertificate, type ForwardedHeaders } from "./parse.ts";

export type HeaderCertificate = { readonly certificate: ClientCertificate | undefined } | { readonly unexpected: string };

export interface CertificateFromHeader {
  /** The certificate headers never reach the upstream, whatever happens to the request. */
  strip(ctx: AccessContext): void;
  certificate(ctx: AccessContext): Promise<HeaderCertificate>;
}

/** Every line of the named headers, in order, from the raw header list (duplicates matter). */
function headerLines(rawHeaders: readonly string[], name: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) lines.push(rawHeaders[i + 1]!);
  return lines;
}

export function certificateFromHeader(config: CertificateFromHeaderConfig, env: PluginEnvironment, view: ConfigView): CertificateFromHeader {
  const name = config.certificate_header_name.toLowerCase();
  const format = config.certificate_header_format;
  const stripped = format === "rfc9440" ? [name, CLIENT_CERT_CHAIN] : [name];
  const verifier = clientVerifier(config, env, view, "openid-connect");
  if (config.http_proxy_host || config.https_proxy_host) {
    env.log.warn("openid-connect: proof_of_possession_mtls_from_header http(s)_proxy_host is not supported; OCSP and CRL requests go direct");
  }
  const none = (reason: string): HeaderCertificate => {
    env.log.info("openid-connect: forwarded client certificate ignored", { header: name, reason });
    return { certificate: undefined };
  };

  return {
    strip(ctx) {
      for (const header of stripped) ctx.removeUpstreamHeader(header);
    },
    async certificate(ctx) {
      const headers: ForwardedHeaders = { certificate: headerLines(ctx.rawHeaders, name), chain: format === "rfc9440" ? headerLines(ctx.rawHeaders, CLIENT_CERT_CHAIN) : [] };
      if (headers.certificate.length === 0 && headers.chain.length === 0) return { certificate: undefined };
      if (config.secure_source !== false && ctx.peerTrusted !== true) return none("the peer is not in trusted_ips");
      const found = parseForwardedCertificate(format, headers);
      if (found.kind === "absent") return { certificate: undefined };
      if (found.kind === "invalid") return none(found.reason);
      if (verifier.configError) return { unexpected: verifier.configError };
      const presented: ClientCertificate = {
        der: found.leaf,
        thumbprint: createHash("sha256").update(found.leaf).digest("base64url") as Thumbprint,
        presentedChain: () => found.chain,
      };
      const verdict = await verifier.verify(presented);
      if (verdict.kind === "error") return { unexpected: verdict.reason };
      if (verdict.kind === "failed") return none(verdict.reason);
      return { certificate: presented };
    },
  };
}
