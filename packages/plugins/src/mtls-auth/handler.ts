/**
 * The access phase of mtls-auth (reference 4.3): certificate present → chain verified against the
 * configured CAs → not revoked → mapped to a consumer (or, with `skip_consumer_lookup`, just
 * trusted). Every failure is a bare 401 with one of Kong's two messages; why it failed goes to
 * the log only.
 */
import { unexpectedErrorResponse, type AccessContext, type ConfigView, type Consumer, type PluginEnvironment, type PluginHandler, type RefusalReason } from "@tether/core";
import { alreadyAuthenticated, anonymousConsumer, authenticateAs, consumerHeaders } from "../consumer-headers.ts";
import { consumerByCredential, consumerByField } from "./consumer-lookup.ts";
import { certificateNames, type CertificateNames } from "./names.ts";
import type { MtlsAuthConfig } from "./schema.ts";
import { clientVerifier } from "./verify-client.ts";

export const NO_CERTIFICATE = "No required TLS certificate was sent";
export const VERIFICATION_FAILED = "TLS certificate failed verification";

const CERT_DN_HEADER = "X-Client-Cert-DN";
const CERT_SAN_HEADER = "X-Client-Cert-SAN";

type Outcome =
  | { kind: "consumer"; consumer: Consumer; names: CertificateNames | undefined }
  | { kind: "trusted" }
  | { kind: "failed"; message: string; reason: string; refusal: RefusalReason }
  | { kind: "error"; reason: string };

const failed = (message: string, reason: string, refusal: RefusalReason): Outcome => ({ kind: "failed", message, reason, refusal });

/** Kong sets X-Client-Cert-DN always and X-Client-Cert-SAN only when the certificate has names. */
function setCertificateHeaders(ctx: AccessContext, names: CertificateNames): void {
  ctx.setUpstreamHeader(CERT_DN_HEADER, names.subjectDn);
  if (names.names.length) ctx.setUpstreamHeader(CERT_SAN_HEADER, names.names.join(","));
}

export function createMtlsAuthHandler(config: MtlsAuthConfig, env: PluginEnvironment, view: ConfigView): PluginHandler {
  // Built once per snapshot: the trust anchors (consumers are looked up in the snapshot's indexes).
  const verifier = clientVerifier(config, env, view, "mtls-auth");
  const consumerBy = config.consumer_by ?? [];
  if (config.send_ca_dn) env.log.warn("mtls-auth: send_ca_dn is not supported; the CertificateRequest names no CAs");
  if (config.http_proxy_host || config.https_proxy_host) {
    env.log.warn("mtls-auth: http(s)_proxy_host is not supported; OCSP and CRL requests go direct");
  }

  async function authenticate(ctx: AccessContext): Promise<Outcome> {
    if (verifier.configError) return { kind: "error", reason: verifier.configError };
    const presented = ctx.clientCertificate();
    // Also the plain-HTTP case: no TLS, so no certificate can be there.
    if (!presented) return failed(NO_CERTIFICATE, "no client certificate", "no_certificate");
    const verdict = await verifier.verify(presented);
    if (verdict.kind === "error") return verdict;
    if (verdict.kind === "failed") return failed(VERIFICATION_FAILED, verdict.reason, verdict.refusal);
    const { leaf, anchor } = verdict;

    const names = certificateNames(leaf);
    if (config.skip_consumer_lookup) {
      // Kong computes the authenticated groups (CN or DN) for ACL here; Tether has no ACL plugin
      // to read them, but the CN rule still refuses a certificate without one, as Kong does.
      if (config.authenticated_group_by === "CN" && names.commonName === undefined) {
        return failed("Certificate missing Common Name", "certificate missing Common Name", "claims");
      }
      setCertificateHeaders(ctx, names);
      return { kind: "trusted" };
    }

    const consumer = consumerByCredential(names.names, anchor.id, view) ?? (consumerBy.length ? consumerByField(names.names, consumerBy, view) : undefined);
    if (consumer) return { kind: "consumer", consumer, names: undefined };
    if (config.default_consumer) {
      const fallback = anonymousConsumer(view, config.default_consumer);
      if (!fallback) return failed("Unauthorized", `default consumer '${config.default_consumer}' does not exist`, "no_consumer");
      return { kind: "consumer", consumer: fallback, names };
    }
    return failed(VERIFICATION_FAILED, "consumer not found", "no_consumer");
  }

  return {
    async access(ctx) {
      // Kong's logical OR: with `anonymous`, an earlier authentication is enough.
      if (config.anonymous && alreadyAuthenticated(ctx)) return undefined;
      // Only this plugin speaks for the certificate: a client's own X-Client-Cert-* never passes.
      ctx.removeUpstreamHeader(CERT_DN_HEADER);
      ctx.removeUpstreamHeader(CERT_SAN_HEADER);

      const outcome = await authenticate(ctx);
      switch (outcome.kind) {
        case "consumer":
          authenticateAs(ctx, { consumer: outcome.consumer, credential: undefined, anonymous: false });
          if (outcome.names) setCertificateHeaders(ctx, outcome.names);
          return undefined;
        case "trusted":
          // No consumer, and Kong does not call authenticate here; the consumer headers a client
          // may have sent itself are still removed, so none reaches the upstream unvouched.
          for (const [name] of consumerHeaders({ consumer: undefined, credential: undefined, anonymous: false })) ctx.removeUpstreamHeader(name);
          return undefined;
        case "error":
          env.log.error("[mtls-auth] " + outcome.reason);
          return unexpectedErrorResponse;
        case "failed": {
          env.log.info("[mtls-auth] client certificate verify failed", { reason: outcome.reason });
          ctx.authOutcome = { plugin: "mtls-auth", refused: outcome.refusal };
          if (!config.anonymous) return { status: 401, body: { message: outcome.message } };
          const anonymous = anonymousConsumer(view, config.anonymous);
          if (!anonymous) {
            env.log.error(`[mtls-auth] anonymous consumer '${config.anonymous}' does not exist`);
            return unexpectedErrorResponse;
          }
          authenticateAs(ctx, { consumer: anonymous, credential: undefined, anonymous: true });
          return undefined;
        }
      }
    },
  };
}
