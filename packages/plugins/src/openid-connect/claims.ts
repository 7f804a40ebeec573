/**
 * Claims-based authorization as Kong's openid-connect does it (reference 3.3-3.4), as pure
 * functions over "sources": the introspection answer first (when there is one), then the token.
 */

export type Claims = Readonly<Record<string, unknown>>;

/** `["user","groups"]` → `claims.user.groups`; undefined when any step is missing. */
export function claimAt(claims: Claims, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const step of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** The claim from the first source that has it (introspection answer, then token). */
export function claimFrom(sources: readonly Claims[], path: readonly string[]): unknown {
  for (const source of sources) {
    const value = claimAt(source, path);
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** A claim value as a list: a space-separated string, a JSON array, or a scalar. */
export function claimValues(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((v) => v !== null && typeof v !== "object").map(String);
  if (typeof value === "number" || typeof value === "boolean") return [String(value)];
  return [];
}

/**
 * `required` entries are OR-ed; within an entry, space-separated values are AND-ed:
 * `["employee marketing", "super-admins"]` = (employee AND marketing) OR super-admins.
 */
export function satisfies(required: readonly string[], found: readonly string[]): boolean {
  const have = new Set(found);
  return required.some((entry) => {
    const all = entry.split(" ").filter(Boolean);
    return all.length > 0 && all.every((v) => have.has(v));
  });
}

export type RequirementKind = "scopes" | "audience" | "groups" | "roles";

export interface Requirement {
  kind: RequirementKind;
  required: readonly string[] | null | undefined;
  claim: readonly string[] | null | undefined;
}

/** Kong's texts (shown with `display_errors`): `required scopes are missing. Found: [ openid ]`. */
export function requirementFailure(requirement: Requirement, sources: readonly Claims[]): string | undefined {
  const { kind, required } = requirement;
  if (!required || required.length === 0) return undefined;
  const found = claimValues(claimFrom(sources, requirement.claim ?? [defaultClaim(kind)]));
  if (found.length === 0) return `${kind} required but no ${kind} found`;
  if (satisfies(required, found)) return undefined;
  return `required ${kind} ${kind === "audience" ? "is" : "are"} missing. Found: [ ${found.join(" ")} ]`;
}

function defaultClaim(kind: RequirementKind): string {
  return kind === "scopes" ? "scope" : kind === "audience" ? "aud" : kind;
}

/** `claims_forbidden` (3.8): the first listed claim present in any source. */
export function forbiddenClaim(forbidden: readonly string[] | null | undefined, sources: readonly Claims[]): string | undefined {
  return (forbidden ?? []).find((name) => sources.some((s) => Object.hasOwn(s, name) && s[name] !== null));
}

/** Kong compares issuers also with a trailing `/` or a `/.well-known/...` suffix removed. */
export function normalizeIssuer(issuer: string): string {
  return issuer.replace(/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/, "").replace(/\/+$/, "");
}

export function issuerAllowed(iss: string, allowed: readonly string[]): boolean {
  const n = normalizeIssuer(iss);
  return allowed.some((a) => a === iss || normalizeIssuer(a) === n);
}

/**
 * `iss` against the discovered issuer and `issuers_allowed`. A JWT must carry `iss` (Tether is
 * stricter than Kong here, see docs); an introspection answer may omit it (RFC 7662).
 */
export function issuerFailure(claims: Claims, allowed: readonly string[], required: boolean): string | undefined {
  const iss = claims["iss"];
  if (iss === undefined || iss === null) return required ? "invalid issuer (nil) was specified for access token" : undefined;
  if (typeof iss === "string" && issuerAllowed(iss, allowed)) return undefined;
  return `invalid issuer (${String(iss)}) was specified for access token, ${allowed.join(", ")} was expected`;
}

/** `exp`/`nbf` of an introspection answer (JWTs are checked while verifying), with leeway. */
export function timeClaimsFailure(claims: Claims, leewaySec: number, nowSec: number): string | undefined {
  const { exp, nbf } = claims;
  if (typeof exp === "number" && exp + leewaySec <= nowSec) return `invalid exp claim (${exp}) was specified for access token`;
  if (typeof nbf === "number" && nbf - leewaySec > nowSec) return `invalid nbf claim (${nbf}) was specified for access token`;
  return undefined;
}
