import { createHash } from "node:crypto";
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK, type JWTPayload } from "jose";
import { normalizeHttpUri } from "./htu.ts";

/** Kong's accepted proof algorithms (reference 3.8, the `algs` it announces): asymmetric only. */
export const DPOP_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/** JWK members that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/** Larger headers are refused unread: an RSA-4096 proof is ~1.5 KB. */
export const MAX_PROOF_LENGTH = 8192;
/** RFC 9449 section 11.1: refuse oversized `jti` values. */
export const MAX_JTI_LENGTH = 256;

export interface ProofExpectations {
  /** The request method (`htm`). */
  method: string;
  /** The request URI in normalizeHttpUri form (`htu`). */
  uri: string | undefined;
  /** The access token presented with the proof (`ath`). */
  token: string;
  nowSec: number;
  /** `dpop_proof_lifetime`: how old `iat` may be. */
  lifetimeSec: number;
  /** How far in the future `iat` may be (clock skew). */
  futureSkewSec: number;
}

export interface AcceptedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key. */
  jkt: string;
  jti: string;
  iat: number;
  nonce: unknown;
}

export type ProofOutcome = { ok: true; proof: AcceptedProof } | { ok: false; reason: string };

const refused = (reason: string): ProofOutcome => ({ ok: false, reason: `invalid DPoP proof: ${reason}` });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export const accessTokenHash = (token: string): string => createHash("sha256").update(token, "ascii").digest("base64url");

/**
 * The proof checks of RFC 9449 section 4.3 (but the nonce, the key binding and replay, which
 * need the server's state and the token): exactly one compact JWS; `typ` `dpop+jwt`; an allowed
 * asymmetric `alg`; a public `jwk` that verifies the signature; `jti`, `htm`, `htu`, `iat` and
 * `ath` present and matching this request and token; `iat` within the lifetime.
 */
export async function verifyProof(values: readonly string[], expect: ProofExpectations): Promise<ProofOutcome> {
  if (values.length === 0) return refused("no DPoP header");
  if (values.length > 1) return refused("more than one DPoP header");
  const proof = values[0]!.trim();
  if (proof.length > MAX_PROOF_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof)) return refused("not a signed compact JWS");

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return refused("unreadable header");
  }
  if (header.typ !== "dpop+jwt") return refused("typ is not dpop+jwt");
  if (typeof header.alg !== "string" || !(DPOP_ALGS as readonly string[]).includes(header.alg)) return refused("alg not allowed");
  const jwk: unknown = header.jwk;
  if (!isObject(jwk)) return refused("no jwk header");
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return refused("jwk holds a private key");

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { algorithms: [header.alg] }));
  } catch {
    return refused("signature does not verify with its jwk");
  }
  const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) return refused("jti missing or too long");
  if (htm !== expect.method) return refused("htm does not match the request method");
  if (typeof htu !== "string" || expect.uri === undefined || normalizeHttpUri(htu) !== expect.uri) return refused("htu does not match the request URI");
  if (typeof iat !== "number" || !Number.isFinite(iat)) return refused("iat missing");
  if (iat < expect.nowSec - expect.lifetimeSec) return refused("iat too old");
  if (iat > expect.nowSec + expect.futureSkewSec) return refused("iat in the future");
  if (ath !== accessTokenHash(expect.token)) return refused("ath does not match the access token");
  return { ok: true, proof: { jkt: await calculateJwkThumbprint(jwk as JWK, "sha256"), jti, iat, nonce: payload["nonce"] } };
}
