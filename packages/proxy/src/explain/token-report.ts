import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from "jose";
import { isRecord } from "@tether/core";

/**
 * What a token says about itself, decoded for display only: nothing here is verified or trusted
 * (the plugins decide); it shows the operator the values the decision was made on.
 */
export interface TokenReport {
  format: "jwt" | "opaque";
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** The key the token names for its signature. */
  key?: { kid: string | undefined; alg: string | undefined };
  expiry?: { exp: number; expiresAt: string; expired: boolean; secondsLeft: number };
  issuer?: { token: string | undefined; expected: readonly string[] };
  scopes?: { required: readonly string[]; found: string[]; missing: string[] };
  binding: BindingReport;
}

/** RFC 8705 / RFC 9449: what the token is bound to next to what the client presented. */
export interface BindingReport {
  tokenX5tS256?: string;
  presentedX5tS256?: string;
  /** Equal thumbprints (display only; the plugin compared in constant time and decided). */
  certificateMatches?: boolean;
  tokenJkt?: string;
  proofJkt?: string;
  proofMatches?: boolean;
}

/** What the route's openid-connect instances expect, read from their configuration. */
export interface Expectations {
  issuers: readonly string[];
  /** Kong's `scopes_required`: entries OR-ed, space-separated scopes within one AND-ed. */
  scopesRequired: readonly string[];
  scopesClaim: readonly string[];
}

const asRecord = (value: unknown): Record<string, unknown> | undefined => (isRecord(value) ? value : undefined);

const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

function claimAtPath(claims: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const step of path) value = asRecord(value)?.[step];
  return value;
}

function scopeList(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** The scopes of the closest alternative that the token lacks; none when one alternative is met. */
export function missingScopes(required: readonly string[], found: readonly string[]): string[] {
  const have = new Set(found);
  const gaps = required.map((entry) => entry.split(" ").filter(Boolean).filter((scope) => !have.has(scope)));
  if (gaps.length === 0 || gaps.some((gap) => gap.length === 0)) return [];
  return gaps.reduce((best, gap) => (gap.length < best.length ? gap : best));
}

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  try {
    return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: decodeJwt(token) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The JWK thumbprint (RFC 7638) of the key a DPoP proof carries in its header, if it is readable. */
export async function proofThumbprint(proof: string): Promise<string | undefined> {
  try {
    const jwk = asRecord(decodeProtectedHeader(proof).jwk);
    return jwk ? await calculateJwkThumbprint(jwk as JWK, "sha256") : undefined;
  } catch {
    return undefined;
  }
}

/** The token's report at `now` (ms), against what the route expects and what the client presented. */
export function tokenReport(token: string, expected: Expectations, presented: { x5tS256?: string; proofJkt?: string }, now: number): TokenReport {
  const decoded = decode(token);
  const cnf = asRecord(decoded?.claims["cnf"]);
  const binding: BindingReport = {
    ...(cnf?.["x5t#S256"] !== undefined ? { tokenX5tS256: String(cnf["x5t#S256"]) } : {}),
    ...(presented.x5tS256 ? { presentedX5tS256: presented.x5tS256 } : {}),
    ...(cnf?.["jkt"] !== undefined ? { tokenJkt: String(cnf["jkt"]) } : {}),
    ...(presented.proofJkt ? { proofJkt: presented.proofJkt } : {}),
  };
  if (binding.tokenX5tS256 !== undefined && presented.x5tS256) binding.certificateMatches = binding.tokenX5tS256 === presented.x5tS256;
  if (binding.tokenJkt !== undefined && presented.proofJkt) binding.proofMatches = binding.tokenJkt === presented.proofJkt;
  if (!decoded) return { format: "opaque", binding };
  const { header, claims } = decoded;
  const report: TokenReport = { format: "jwt", header, claims, key: { kid: asString(header["kid"]), alg: asString(header["alg"]) }, binding };
  if (typeof claims["exp"] === "number") {
    const exp = claims["exp"];
    report.expiry = { exp, expiresAt: new Date(exp * 1000).toISOString(), expired: exp * 1000 <= now, secondsLeft: Math.round(exp - now / 1000) };
  }
  if (expected.issuers.length > 0) report.issuer = { token: asString(claims["iss"]), expected: expected.issuers };
  if (expected.scopesRequired.length > 0) {
    const found = scopeList(claimAtPath(claims, expected.scopesClaim));
    report.scopes = { required: expected.scopesRequired, found, missing: missingScopes(expected.scopesRequired, found) };
  }
  return report;
}
