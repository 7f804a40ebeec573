/**
 * Certificate path building and validation: leaf → (intermediates) → a configured CA.
 *
 * Why not OpenSSL through `tls`: Node exposes no X509_STORE, and verifying through a throwaway
 * TLS handshake per request (or a SecureContext per CA set) would cost a handshake and still
 * not say which CA anchored the chain, which credential lookup needs. The checks OpenSSL's
 * X509_verify_cert makes for a client certificate are few and are done here with Node's own
 * primitives: `checkIssued` (names, key identifiers, keyCertSign) and `verify(publicKey)` for
 * each link, validity dates of every certificate including the anchor, basicConstraints with
 * path length, critical extensions, and the leaf's extendedKeyUsage.
 *
 * Anchoring follows OpenSSL: trusted issuers are tried before the ones the client sent, a path
 * ends at a self-signed trusted certificate, and with `allow_partial_chain` (OpenSSL's
 * X509_V_FLAG_PARTIAL_CHAIN) at the first trusted certificate met, self-signed or not.
 */
import { OID, basicConstraints, extendedKeyUsage, type ParsedCertificate } from "./certificate.ts";
import type { TrustAnchor } from "./trust-store.ts";

export interface VerifyOptions {
  readonly allowPartialChain: boolean;
  /** Epoch milliseconds. */
  readonly now: number;
}

export type ChainResult =
  | { readonly ok: true; readonly path: readonly ParsedCertificate[]; readonly anchor: TrustAnchor }
  | { readonly ok: false; readonly reason: string };

/** Longest path tried (leaf included): deeper PKIs are not seen in practice, and it bounds the search. */
const MAX_DEPTH = 10;

/** Extensions this module (or a later step, for SAN/CRL/AIA) understands; any other critical one fails. */
const HANDLED = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.crlDistributionPoints,
  OID.authorityInfoAccess,
  // Policy processing is off in OpenSSL by default too: these are understood and not enforced.
  OID.certificatePolicies,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
]);

function issued(parent: ParsedCertificate, child: ParsedCertificate): boolean {
  try {
    // `a.checkIssued(b)` asks whether a was issued by b.
    return child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
  } catch {
    return false;
  }
}

/** Anchors live as long as their snapshot: their self-signature is checked once, not per request. */
const selfSignedMemo = new WeakMap<ParsedCertificate, boolean>();
function selfSigned(cert: ParsedCertificate): boolean {
  let value = selfSignedMemo.get(cert);
  if (value === undefined) {
    value = issued(cert, cert);
    selfSignedMemo.set(cert, value);
  }
  return value;
}

/** The checks a complete candidate path must pass; undefined when it passes. */
function checkPath(path: readonly ParsedCertificate[], anchor: TrustAnchor, now: number): string | undefined {
  for (const [i, cert] of path.entries()) {
    if (now < cert.notBefore) return "certificate is not yet valid";
    if (now > cert.notAfter) return "certificate has expired";
    for (const ext of cert.extensions) {
      // Name constraints are not enforced here, so a CA that sets them is refused, not ignored.
      if (ext.oid === OID.nameConstraints) return "name constraints are not supported";
      if (ext.critical && !HANDLED.has(ext.oid)) return `unsupported critical extension ${ext.oid}`;
    }
    if (i === 0) continue;
    const constraints = basicConstraints(cert);
    // A v1 self-signed root has no extensions at all; OpenSSL still lets a trusted one anchor.
    const v1Anchor = cert === anchor.cert && cert.extensions.length === 0;
    if (!constraints.ca && !v1Anchor) return "invalid CA certificate";
    // Intermediate CAs below this one (the leaf does not count).
    if (constraints.pathLen !== undefined && i - 1 > constraints.pathLen) return "path length constraint exceeded";
  }
  // nginx's ssl_verify_client checks the "SSL client" purpose: an EKU, when present, must allow it.
  const eku = extendedKeyUsage(path[0]!);
  if (eku && !eku.includes(OID.clientAuth) && !eku.includes(OID.anyExtendedKeyUsage)) return "unsupported certificate purpose";
  return undefined;
}

export function verifyChain(
  leaf: ParsedCertificate,
  presented: readonly ParsedCertificate[],
  anchors: readonly TrustAnchor[],
  options: VerifyOptions,
): ChainResult {
  const anchorOf = (cert: ParsedCertificate): TrustAnchor | undefined => anchors.find((a) => a.cert.der.equals(cert.der));
  // Trusted first (OpenSSL's X509_V_FLAG_TRUSTED_FIRST, on by default).
  const candidates = [...anchors.map((a) => a.cert), ...presented];
  let lastFailure = "unable to get local issuer certificate";

  const search = (path: ParsedCertificate[]): ChainResult | undefined => {
    const top = path[path.length - 1]!;
    const anchor = anchorOf(top);
    if (anchor && (options.allowPartialChain || selfSigned(top))) {
      const failure = checkPath(path, anchor, options.now);
      if (!failure) return { ok: true, path, anchor };
      lastFailure = failure;
      return undefined;
    }
    if (path.length >= MAX_DEPTH) return undefined;
    for (const next of candidates) {
      if (path.some((c) => c.der.equals(next.der)) || !issued(next, top)) continue;
      const found = search([...path, next]);
      if (found) return found;
    }
    return undefined;
  };

  return search([leaf]) ?? { ok: false, reason: lastFailure };
}
