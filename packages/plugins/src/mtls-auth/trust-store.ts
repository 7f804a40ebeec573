/**
 * The trust anchors of one plugin instance: the CA Certificate entities its `ca_certificates`
 * names, parsed once per configuration snapshot (never per request).
 */
import { X509Certificate } from "node:crypto";
import type { ConfigView } from "@tether/core";
import { parseCertificate, type ParsedCertificate } from "./certificate.ts";

export interface TrustAnchor {
  /** The CA Certificate entity id: mtls_auth_credentials can be restricted to it. */
  readonly id: string;
  readonly cert: ParsedCertificate;
}

export type TrustStore = { readonly ok: true; readonly anchors: readonly TrustAnchor[] } | { readonly ok: false; readonly error: string };

/**
 * Kong resolves the ids when a request needs them and answers 500 for an id that does not
 * exist; the same outcome here, decided once per snapshot and reported on every request.
 */
export function buildTrustStore(ids: readonly string[], view: ConfigView): TrustStore {
  const anchors: TrustAnchor[] = [];
  for (const id of ids) {
    const entity = view.caCertificate(id);
    if (!entity) return { ok: false, error: `CA Certificate '${id}' does not exist` };
    try {
      anchors.push({ id, cert: parseCertificate(new X509Certificate(entity.cert).raw) });
    } catch (error) {
      return { ok: false, error: `CA Certificate '${id}' cannot be parsed: ${String((error as Error).message ?? error)}` };
    }
  }
  return { ok: true, anchors };
}
