import { timingSafeEqual } from "node:crypto";
import type { BindingOutcome, ClientCertificate } from "@tether/core";
import type { Failure } from "./challenge.ts";

export type PopMode = "off" | "strict" | "optional";

/** Kong's error_description texts for RFC 8705 binding failures (reference 3.8). */
export const POP_ERRORS = {
  mismatch: "the client certificate thumbprint does not match the x5t#S256 claim",
  noCertificate: "client certificate was not specified",
  noClaim: "x5t#S256 claim required but not found",
} as const;

/** The decision, and how it was reached (`binding`, for the tether_auth_binding_total counter). */
export type PopOutcome =
  | { ok: true; binding: BindingOutcome }
  | { ok: false; binding: BindingOutcome; description: (typeof POP_ERRORS)[keyof typeof POP_ERRORS] };

/** A proof-of-possession decision that carries its refusal (the DPoP branch, dpop/verifier.ts). */
export type BindingDecision = { ok: true; binding: BindingOutcome } | { ok: false; binding?: BindingOutcome; failure: Failure };

/**
 * Whether the certificate binding decides this request. It takes precedence over DPoP when it
 * applies (reference 3.11): in `strict` mode, and in `optional` mode for a token bound to a certificate.
 */
export function mtlsApplies(mode: PopMode, claims: Record<string, unknown>): boolean {
  return mode === "strict" || (mode === "optional" && boundThumbprint(claims) !== undefined);
}

/** The token's `cnf.x5t#S256`, when it carries one as a string. */
export function boundThumbprint(claims: Record<string, unknown>): string | undefined {
  const cnf = claims["cnf"];
  if (typeof cnf !== "object" || cnf === null) return undefined;
  const value = (cnf as Record<string, unknown>)["x5t#S256"];
  return typeof value === "string" ? value : undefined;
}

/** Constant-time equality of two thumbprints; a different length (hex, padded) is simply unequal. */
export function thumbprintsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * RFC 8705 section 3: is the token bound to the certificate of this connection?
 * - strict: every token must carry `cnf.x5t#S256` equal to the presented certificate's;
 * - optional: a token that carries the claim must match it (so it fails without a certificate);
 *   a token without it passes (Kong's documented semantics; see docs/plugins/openid-connect.md);
 * - off: no check.
 */
export function checkCertificateBinding(
  mode: PopMode,
  claims: Record<string, unknown>,
  certificate: ClientCertificate | undefined,
): PopOutcome {
  if (mode === "off") return { ok: true, binding: "not_checked" };
  const bound = boundThumbprint(claims);
  if (mode === "optional" && bound === undefined) return { ok: true, binding: "unbound_allowed" };
  if (!certificate) return { ok: false, binding: "no_certificate", description: POP_ERRORS.noCertificate };
  if (bound === undefined) return { ok: false, binding: "claim_missing", description: POP_ERRORS.noClaim };
  if (!thumbprintsEqual(bound, certificate.thumbprint)) return { ok: false, binding: "mismatch", description: POP_ERRORS.mismatch };
  return { ok: true, binding: "match" };
}
