/** Cookie attributes of the session cookie (Kong's `session_cookie_*` fields). */
export interface CookieAttributes {
  path: string;
  domain: string | undefined;
  /** `Default` (Kong's value for "send no SameSite attribute") is undefined here. */
  sameSite: "Strict" | "Lax" | "None" | undefined;
  httpOnly: boolean;
  secure: boolean;
}

/**
 * Browsers keep at most ~4096 bytes per cookie (name, value and attributes); a larger session is
 * split into `session`, `session_2`, `session_3`… as lua-resty-session does.
 */
export const CHUNK_SIZE = 3800;
/** More chunks than this is not a session Tether wrote: refuse without reading further. */
export const MAX_CHUNKS = 8;

const EXPIRED = "Thu, 01 Jan 1970 00:00:01 GMT";

/** Every value of cookie `name` in a Cookie header, in order (browsers may send one per path). */
export function cookieValues(header: string | undefined, name: string): string[] {
  const out: string[] = [];
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** The name of the n-th chunk (1-based): `session`, `session_2`, … */
export function chunkName(name: string, n: number): string {
  return n === 1 ? name : `${name}_${n}`;
}

/**
 * The whole value of a possibly chunked cookie and how many chunks carried it, or undefined when
 * absent. The first value of each name is used; a missing chunk ends the value (and decryption
 * then fails, which is the answer for a mangled cookie).
 */
export function readChunked(header: string | undefined, name: string): { value: string; chunks: number } | undefined {
  const first = cookieValues(header, name)[0];
  if (!first) return undefined;
  let value = first;
  let chunks = 1;
  for (let n = 2; n <= MAX_CHUNKS + 1; n++) {
    const next = cookieValues(header, chunkName(name, n))[0];
    if (!next) break;
    if (n > MAX_CHUNKS) return undefined;
    value += next;
    chunks = n;
  }
  return { value, chunks };
}

/** The names of the chunks present in a Cookie header (what clearing must cover). */
export function presentChunks(header: string | undefined, name: string): string[] {
  const names: string[] = [];
  for (let n = 1; n <= MAX_CHUNKS; n++) if (cookieValues(header, chunkName(name, n)).length > 0) names.push(chunkName(name, n));
  return names;
}

function attributes(attrs: CookieAttributes): string {
  let out = `; Path=${attrs.path}`;
  if (attrs.domain) out += `; Domain=${attrs.domain}`;
  if (attrs.sameSite) out += `; SameSite=${attrs.sameSite}`;
  if (attrs.httpOnly) out += "; HttpOnly";
  if (attrs.secure) out += "; Secure";
  return out;
}

/**
 * Set-Cookie values carrying `value` under `name` (split into chunks when long), and clearing any
 * chunk the client still holds beyond the new count, so a shrinking session leaves no stale tail.
 */
export function setCookieValues(name: string, value: string, attrs: CookieAttributes, previousChunks = 0): string[] {
  const out: string[] = [];
  const count = Math.max(1, Math.ceil(value.length / CHUNK_SIZE));
  for (let n = 1; n <= count; n++) out.push(`${chunkName(name, n)}=${value.slice((n - 1) * CHUNK_SIZE, n * CHUNK_SIZE)}${attributes(attrs)}`);
  for (let n = count + 1; n <= previousChunks; n++) out.push(clearingValue(chunkName(name, n), attrs));
  return out;
}

/** A Set-Cookie value that deletes the cookie (empty, expired, same Path/Domain so it matches). */
export function clearingValue(name: string, attrs: CookieAttributes): string {
  return `${name}=; Expires=${EXPIRED}; Max-Age=0${attributes(attrs)}`;
}

/** The Cookie header without the named cookies (hide_credentials); empty when nothing is left. */
export function withoutCookies(header: string, names: readonly string[]): string {
  return header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => {
      if (!part) return false;
      const eq = part.indexOf("=");
      return !names.includes((eq === -1 ? part : part.slice(0, eq)).trim());
    })
    .join("; ");
}
