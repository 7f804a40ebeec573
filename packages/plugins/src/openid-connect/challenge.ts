import type { PluginResponse, RefusalReason } from "@tether/core";
import type { OpenIdConnectConfig } from "./schema.ts";

export type ChallengeError = "invalid_token" | "invalid_request" | "insufficient_scope";

export interface Failure {
  /** RFC 6750 error code; decides the status (401, 400 or 403). */
  error: ChallengeError;
  /** Shown in `error_description` (Kong does so for PoP failures and expiry). */
  description?: string | undefined;
  /** The internal reason: logged, and shown in the body only with `display_errors`. */
  reason: string;
  /** What kind of refusal this is, for the `tether_auth_refusals_total` counter. */
  kind?: RefusalReason | undefined;
}

const STATUS: Record<ChallengeError, number> = { invalid_token: 401, invalid_request: 400, insufficient_scope: 403 };

const quote = (value: string): string => `"${value.replace(/["\\]/g, "")}"`;

/** Kong's failure answer: `{"message": …}` and an RFC 6750 `WWW-Authenticate` challenge. */
export function failureResponse(config: OpenIdConnectConfig, realm: string, failure: Failure): PluginResponse {
  const status = STATUS[failure.error];
  const params = [`realm=${quote(realm)}`];
  if (config.expose_error_code !== false) {
    params.push(`error=${quote(failure.error)}`);
    if (failure.description) params.push(`error_description=${quote(failure.description)}`);
  }
  const base =
    status === 403 ? (config.forbidden_error_message ?? "Forbidden") : status === 400 ? "Bad Request" : (config.unauthorized_error_message ?? "Unauthorized");
  return {
    status,
    headers: { "WWW-Authenticate": `Bearer ${params.join(", ")}` },
    body: { message: config.display_errors ? `${base} (${failure.reason})` : base },
  };
}
