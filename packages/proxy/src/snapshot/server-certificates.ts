/**
 * Server certificates by SNI, from the `certificates` and `snis` entities, built once per config
 * snapshot: Kong's runloop/certificate.lua lookup (exact name, then `*.` + all but the first
 * label, then all but the last label + `.*`, then the catch-all SNI `*`), else the listener's
 * default certificate.
 */
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import tls from "node:tls";
import type { Certificate, Logger, Sni } from "@tether/core";
import { preferredKeyType } from "../tls/signature-schemes.ts";

export interface ServerCertificates {
  /** How many SNI names are served from the entities. */
  readonly size: number;
  /**
   * The context to serve under this server name, or undefined for the listener's default
   * certificate. `signatureSchemes` (read lazily, only when a certificate has a `cert_alt`) gives
   * the client's signature algorithms, to choose between the certificate and its alternative.
   */
  contextFor(servername: string, signatureSchemes?: () => readonly number[] | undefined): tls.SecureContext | undefined;
  /**
   * A digest of the certificate entity contextFor serves under this name (both pairs), or
   * undefined for the default: ticket keys mix it in, so a replaced certificate ends its sessions.
   */
  fingerprintFor(servername: string): string | undefined;
}

/** A certificate entity ready to serve: one context per key pair, keyed by key type, primary first. */
interface Served {
  /** materialKey of the entity */
  readonly fingerprint: string;
  readonly primary: tls.SecureContext;
  readonly byType: ReadonlyMap<string, tls.SecureContext>;
}

/** Kong's produce_wild_snis plus the exact name and the catch-all, in lookup order. */
export function sniCandidates(servername: string): string[] {
  const name = servername.toLowerCase().replace(/\.$/, "");
  const candidates = [name];
  const labels = name.split(".");
  if (labels.length >= 3) candidates.push(`*.${labels.slice(1).join(".")}`);
  if (labels.length >= 2) candidates.push(`${labels.slice(0, -1).join(".")}.*`);
  candidates.push("*");
  return candidates;
}

/**
 * Contexts outlive snapshots, keyed by the PEM material they were made from: an unrelated config
 * change must not rebuild every certificate (RSA contexts cost about a millisecond each). A
 * failed build is remembered as null so it is logged once, not at every reload.
 */
const contexts = new Map<string, Served | null>();

function materialKey(c: Certificate): string {
  const hash = createHash("sha256");
  for (const part of [c.cert, c.key, c.cert_alt ?? "", c.key_alt ?? ""]) hash.update(part).update("\0");
  return hash.digest("hex");
}

/**
 * A context for one pair, and the key type it signs with. OpenSSL only checks a key against a
 * certificate of its own type (an RSA key beside an ECDSA certificate loads "fine" and fails
 * every handshake), so the pair is checked here first.
 */
function pairContext(cert: string, key: string): { type: string; context: tls.SecureContext } {
  const leaf = new X509Certificate(cert);
  if (!leaf.checkPrivateKey(createPrivateKey(key))) throw new Error("certificate does not match key");
  return { type: leaf.publicKey.asymmetricKeyType ?? "unknown", context: tls.createSecureContext({ cert, key }) };
}

function buildServed(c: Certificate, fingerprint: string): Served {
  const primary = pairContext(c.cert, c.key);
  const byType = new Map([[primary.type, primary.context]]);
  if (c.cert_alt !== null && c.key_alt !== null) {
    const alt = pairContext(c.cert_alt, c.key_alt);
    if (!byType.has(alt.type)) byType.set(alt.type, alt.context);
  }
  return { fingerprint, primary: primary.context, byType };
}

/** The certificate's contexts, or null when OpenSSL refuses its material (then its SNIs get the default). */
function servedFor(c: Certificate, log: Logger, used: Set<string>): Served | null {
  const key = materialKey(c);
  used.add(key);
  const cached = contexts.get(key);
  if (cached !== undefined) return cached;
  let served: Served | null = null;
  try {
    served = buildServed(c, key);
  } catch (error) {
    // OpenSSL's message names what failed, never the key material.
    log.warn("certificate cannot be served; its SNIs get the default certificate", {
      certificate: c.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  contexts.set(key, served);
  return served;
}

function choose(served: Served, signatureSchemes: (() => readonly number[] | undefined) | undefined): tls.SecureContext {
  if (served.byType.size < 2 || signatureSchemes === undefined) return served.primary;
  let schemes: readonly number[] | undefined;
  try {
    schemes = signatureSchemes();
  } catch {
    return served.primary;
  }
  const type = preferredKeyType(schemes, [...served.byType.keys()]);
  return (type !== undefined ? served.byType.get(type) : undefined) ?? served.primary;
}

export function buildServerCertificates(certificates: readonly Certificate[], snis: readonly Sni[], log: Logger): ServerCertificates {
  const used = new Set<string>();
  const byId = new Map<string, Served>();
  for (const certificate of certificates) {
    const served = servedFor(certificate, log, used);
    if (served) byId.set(certificate.id, served);
  }
  for (const key of contexts.keys()) if (!used.has(key)) contexts.delete(key);

  const byName = new Map<string, Served>();
  for (const sni of snis) {
    const served = byId.get(sni.certificate.id);
    const name = sni.name.toLowerCase();
    if (served && !byName.has(name)) byName.set(name, served);
  }
  const lookup = (servername: string): Served | undefined => {
    for (const candidate of sniCandidates(servername)) {
      const served = byName.get(candidate);
      if (served) return served;
    }
    return undefined;
  };
  return {
    size: byName.size,
    contextFor(servername, signatureSchemes) {
      const served = lookup(servername);
      return served && choose(served, signatureSchemes);
    },
    fingerprintFor: (servername) => lookup(servername)?.fingerprint,
  };
}
