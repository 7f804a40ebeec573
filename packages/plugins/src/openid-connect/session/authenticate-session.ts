import type { AccessContext } from "@tether/core";
import { decodeJwt, type JWTPayload } from "jose";
import { checkToken, type AuthenticatorDeps } from "../authenticate.ts";
import type { IntrospectionResult } from "../introspection.ts";
import type { IssuerState } from "../issuers.ts";
import { invalid, type VerifyOutcome } from "../verified.ts";
import { withoutCookies } from "./cookies.ts";
import type { SessionRecord } from "./record.ts";

/** Kong's error_description when a session's stored token has expired (reference 3.3, 3.8). */
export const TOKEN_EXPIRED = "The access token expired";

/** A session's certificate binding as claims, the shape the PoP check reads. */
export function storedBinding(record: SessionRecord): Record<string, unknown> {
  return record.thumbprint ? { cnf: { "x5t#S256": record.thumbprint } } : {};
}

function decodedClaims(record: SessionRecord): JWTPayload | undefined {
  if (!record.jwt) return undefined;
  try {
    return decodeJwt(record.token);
  } catch {
    return undefined;
  }
}

/**
 * A request authenticated by an admitted session: the stored token must not have expired (no
 * refresh token is kept, so Kong's answer is a 401 "The access token expired"); with `reverify`
 * the token is verified again as when the session was made (through the verified-token and
 * introspection caches, so a repeat costs a lookup). `checkBinding` comes from admission.
 */
export async function authenticateSession(
  ctx: AccessContext,
  state: IssuerState,
  record: SessionRecord,
  checkBinding: boolean,
  cookieNames: readonly string[],
  deps: AuthenticatorDeps,
): Promise<VerifyOutcome> {
  const { config } = deps;
  const leeway = config.leeway ?? 0;
  if (record.expiresAt !== undefined && record.expiresAt + leeway <= Date.now() / 1000)
    return invalid(`the access token stored in the session expired at ${record.expiresAt}`, TOKEN_EXPIRED, "expired");

  let jwt = decodedClaims(record);
  // Stored from an introspection answer when the session was made; the cookie is authenticated.
  let introspection = record.introspection as IntrospectionResult | undefined;
  if (config.reverify === true) {
    const methods = new Set(config.auth_methods ?? []);
    const use = { bearer: record.jwt, introspection: !record.jwt && methods.has("introspection") };
    if (use.bearer || use.introspection) {
      const checked = await checkToken(ctx, record.token, state, deps, use);
      if (!checked.ok) return checked;
      jwt = checked.jwt ?? jwt;
      introspection = checked.result ?? introspection;
    }
  }
  return {
    ok: true,
    method: "session",
    token: record.token,
    jwt,
    introspection,
    bindingClaims: storedBinding(record),
    expiresAt: record.expiresAt,
    session: record,
    pop: checkBinding,
    hide: (c) => {
      const rest = withoutCookies(String(c.headers.cookie ?? ""), cookieNames);
      if (rest) c.setUpstreamHeader("cookie", rest);
      else c.removeUpstreamHeader("cookie");
    },
  };
}
