import type { AccessContext, RefusalReason } from "@tether/core";
import type { JWTPayload } from "jose";
import type { Failure } from "./challenge.ts";
import type { Claims } from "./claims.ts";
import type { IntrospectionResult, Pair } from "./introspection.ts";
import type { SessionCreator, SessionRecord } from "./session/record.ts";

/** A request whose credential checked out, by whichever method, before PoP and claims run. */
export interface Verified {
  /** The method that authenticated this request. */
  method: SessionCreator | "session";
  /** The access token forwarded upstream. */
  token: string;
  jwt: JWTPayload | undefined;
  introspection: IntrospectionResult | undefined;
  /** Where the certificate binding (`cnf`) is read. */
  bindingClaims: Claims;
  /**
   * Whether `proof_of_possession_mtls` applies: tokens from `bearer`/`introspection` and the
   * sessions admitted for checking; not the grants (Kong skips PoP for them).
   */
  pop: boolean;
  /** The token came as `Authorization: DPoP` (it must then be DPoP-bound, dpop/binding.ts). */
  dpopScheme?: boolean;
  /** Token expiry (epoch s), when known: what a session stores. */
  expiresAt: number | undefined;
  /** `hide_credentials`: removes the credential this request used from what goes upstream. */
  hide(ctx: AccessContext): Promise<void> | void;
  /** Token endpoint headers to send to the client (`token_headers_replay`). */
  replay?: readonly Pair[];
  /** For method `session`: the session it came from. */
  session?: SessionRecord;
}

export type VerifyOutcome =
  | ({ ok: true } & Verified)
  | { ok: false; failure: Failure }
  /** Not the caller's fault (missing endpoint or client, unsupported client auth): Kong's 500. */
  | { ok: false; unexpected: string }
  /** No credential for this method family at all: the search goes on to the next one. */
  | { ok: false; absent: true };

export const invalid = (reason: string, description?: string, kind?: RefusalReason): { ok: false; failure: Failure } => ({
  ok: false,
  failure: { error: "invalid_token", reason, ...(description ? { description } : {}), ...(kind ? { kind } : {}) },
});

export const ABSENT = { ok: false, absent: true } as const;

/** `exp` of a claims object as a number, if it has one. */
export function expOf(claims: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const exp = claims?.["exp"];
  return typeof exp === "number" ? exp : undefined;
}
