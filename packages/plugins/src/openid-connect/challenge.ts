import type { PluginResponse, RefusalReason } from "@tether/core";
import { DPOP_ALGS } from "./dpop/proof.ts";
import type { OpenIdConnectConfig } from "./schema.ts";

/** RFC 6750 error codes, and RFC 9449's two for DPoP proofs. */
export type ChallengeError = "invalid_token" | "invalid_request" | "insufficient_scope" | "invalid_dpop_proof" | "use_dpop_nonce";

export interface Failure {
  /** RFC 6750 error code; decides the status (401, 400 or 403). */
  error: ChallengeError;
  /** Shown in `error_description` (Kong does so for PoP failures and expiry). */
  description?: string | undefined;
  /** The internal reason: logged, and shown in the body only with `display_errors`. */
  reason: string;
  /** What kind of refusal this is, for the `tether_auth_refusals_total` counter. */
  kind?: RefusalReason | undefined;
  /** A fresh DPoP nonce for the `DPoP-Nonce` header (RFC 9449 section 9). */
  nonce?: string | undefined;
}

const STATUS: Record<ChallengeError, number> = { invalid_token: 401, invalid_request: 400, insufficient_scope: 403, invalid_dpop_proof: 401, use_dpop_nonce: 401 };

/** The `algs` Kong announces in its DPoP challenge (reference 3.8). */
const DPOP_ALGS_PARAM = DPOP_ALGS.join(" ");

const quote = (value: string): string => `"${value.replace(/["\\]/g, "")}"`;

/**
 * Kong's failure answer: `{"message": …}` and an RFC 6750 `WWW-Authenticate` challenge; the
 * `DPoP` scheme with `algs` when `proof_of_possession_dpop` is strict (parameters sorted, the
 * error last), and `DPoP-Nonce` when the failure carries a nonce.
 */
export function failureResponse(config: OpenIdConnectConfig, realm: string, failure: Failure): PluginResponse {
  const status = STATUS[failure.error];
  const dpopScheme = config.proof_of_possession_dpop === "strict";
  const params = [...(dpopScheme ? [`algs=${quote(DPOP_ALGS_PARAM)}`] : []), `realm=${quote(realm)}`];
  if (config.expose_error_code !== false) {
    params.push(`error=${quote(failure.error)}`);
    if (failure.description) params.push(`error_description=${quote(failure.description)}`);
  }
  const base =
    status === 403 ? (config.forbidden_error_message ?? "Forbidden") : status === 400 ? "Bad Request" : (config.unauthorized_error_message ?? "Unauthorized");
  return {
    status,
    headers: { "WWW-Authenticate": `${dpopScheme ? "DPoP" : "Bearer"} ${params.join(", ")}`, ...(failure.nonce ? { "DPoP-Nonce": failure.nonce } : {}) },
    body: { message: config.display_errors ? `${base} (${failure.reason})` : base },
  };
}
