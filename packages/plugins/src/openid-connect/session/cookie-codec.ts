import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** Format byte leading every sealed value, so a future format can be told apart (and refused). */
const FORMAT_V1 = 1;
const IV_BYTES = 12; // GCM's natural nonce size
const TAG_BYTES = 16;
const OVERHEAD = 1 + IV_BYTES + TAG_BYTES;

/** An AES-256-GCM key for one (secret, audience), plus what it authenticates each value with. */
export interface SessionKey {
  readonly key: Buffer;
  readonly audience: string;
}

/**
 * HKDF-SHA256 from the secret (`session_secret`, else the installation secret). The audience is
 * in both salt and info: instances with different `session_audience` values cannot read each
 * other's cookies even under one secret, as lua-resty-session's per-audience keys intend.
 */
export function deriveSessionKey(secret: string | Buffer, audience: string): SessionKey {
  const ikm = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  const key = Buffer.from(hkdfSync("sha256", ikm, `tether/openid-connect/session/salt:${audience}`, `aes-256-gcm/v1:${audience}`, 32));
  return { key, audience };
}

/** Bound into every seal as additional data: a value sealed for one cookie name opens under no other. */
function additionalData(key: SessionKey, cookieName: string): Buffer {
  return Buffer.from(`v${FORMAT_V1}\0${key.audience}\0${cookieName}`, "utf8");
}

/** Encrypts and authenticates `plaintext`: base64url(format || iv || ciphertext || tag). Fresh random IV per call. */
export function seal(key: SessionKey, cookieName: string, plaintext: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(key, cookieName));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_V1), iv, body, cipher.getAuthTag()]).toString("base64url");
}

/**
 * The plaintext of a sealed value, or undefined for anything that is not exactly what `seal`
 * made under this key and name: wrong format, truncated, flipped bits, another key or audience.
 * Never throws, so a hostile cookie costs one failed decryption and nothing else.
 */
export function open(key: SessionKey, cookieName: string, sealed: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
  const raw = Buffer.from(sealed, "base64url");
  if (raw.length <= OVERHEAD || raw[0] !== FORMAT_V1) return undefined;
  const iv = raw.subarray(1, 1 + IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const body = raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(key, cookieName));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}
