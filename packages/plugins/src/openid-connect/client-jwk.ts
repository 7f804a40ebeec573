import type { OidcClientAlg, OpenIdConnectJwk, OpenIdConnectConfig } from "./schema.ts";

/**
 * The members of a public JWK (RFC 7517 §4, RFC 7518 §6): everything else in a `client_jwk`
 * entry (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`, …) is secret. A list of what may be shown,
 * not of what must be hidden, so a member added to the schema later stays hidden.
 */
const PUBLIC_MEMBERS = ["kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256", "crv", "x", "y", "n", "e"] as const;

export type PublicJwk = Partial<Pick<OpenIdConnectJwk, (typeof PUBLIC_MEMBERS)[number]>>;

/** A signing key of the gateway as a JWK with an algorithm: what `private_key_jwt` signs with. */
export interface SigningJwk {
  readonly jwk: OpenIdConnectJwk;
  readonly alg: string;
}

/** The public half of an asymmetric key; undefined for a symmetric (`oct`) key, which has none. */
export function publicJwk(jwk: OpenIdConnectJwk): PublicJwk | undefined {
  if (jwk.kty === "oct" || jwk.k !== undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined && jwk[member] !== null) out[member] = jwk[member];
  return out as PublicJwk;
}

/** JWS algorithm for a key that names none (RFC 7518 §3.1): the usual one for its type and curve. */
function defaultAlg(jwk: OpenIdConnectJwk): string | undefined {
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC") return ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as Record<string, string>)[jwk.crv ?? ""];
  if (jwk.kty === "OKP") return "EdDSA";
  return undefined;
}

/**
 * The key `private_key_jwt` signs with: the first `client_jwk` entry holding a private key (the
 * plugin authenticates as the first client), with `client_alg[0]` when it names a signature
 * algorithm (HS* is for `client_secret_jwt`), else the key's own `alg`, else its type's usual one.
 */
export function signingJwk(config: Pick<OpenIdConnectConfig, "client_jwk" | "client_alg">): SigningJwk | undefined {
  const jwk = (config.client_jwk ?? []).find((k) => k.d !== undefined && k.d !== null);
  if (!jwk) return undefined;
  const configured: OidcClientAlg | undefined = config.client_alg?.[0];
  const alg = configured && !configured.startsWith("HS") ? configured : (jwk.alg ?? defaultAlg(jwk));
  return alg ? { jwk, alg } : undefined;
}
