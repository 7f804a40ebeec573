import type { BindingDecision } from "../proof-of-possession.ts";

/** How the token reached the gateway: `Authorization: DPoP`, any bearer location, or a session. */
export type Presentation = "dpop" | "bearer" | "session";

/**
 * `error_description`s: Kong's text for proof failures (reference 3.8), RFC 9449 section 7.1's
 * example for a token whose key binding does not hold.
 */
export const DPOP_ERRORS = {
  proof: "Unable to validate the DPoP proof",
  binding: "Invalid DPoP key binding",
} as const;

/** The token's `cnf.jkt` (JWT claims or introspection answer), when it carries one as a string. */
export function boundJkt(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims["cnf"];
  if (typeof cnf !== "object" || cnf === null) return undefined;
  const jkt = (cnf as Record<string, unknown>)["jkt"];
  return typeof jkt === "string" ? jkt : undefined;
}

const bindingRefused = (reason: string, binding?: BindingDecision["binding"]): BindingDecision => ({
  ok: false,
  ...(binding ? { binding } : {}),
  failure: { error: "invalid_token", description: DPOP_ERRORS.binding, reason, kind: "binding" },
});

/**
 * What the token and how it was presented require before any proof is read (reference 3.11,
 * RFC 9449 section 7.2): a DPoP-bound token (`cnf.jkt`) needs a proof and may not be downgraded
 * to the Bearer scheme; the DPoP scheme needs a DPoP-bound token; an unbound token passes only
 * in `optional` mode. `verify` means: check the proof against `cnf.jkt`.
 */
export function dpopRequirement(mode: "strict" | "optional", presentation: Presentation, jkt: string | undefined): BindingDecision | "verify" {
  if (jkt === undefined) {
    if (presentation === "dpop") return bindingRefused("the DPoP scheme was used with a token that is not DPoP-bound (no cnf.jkt)", "claim_missing");
    if (mode === "strict") return bindingRefused("a DPoP-bound token is required (no cnf.jkt)", "claim_missing");
    return { ok: true, binding: "unbound_allowed" };
  }
  if (presentation === "bearer") return bindingRefused("a DPoP-bound token was presented with the Bearer scheme");
  return "verify";
}
