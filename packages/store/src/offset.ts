import { invalidOffset } from "@tether/core";

/** Kong's offsets: base64 of a JSON array holding the last row's key. */
export function encodeOffset(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64");
}

/**
 * The key an offset holds, or Kong's code 7. Base64 is checked strictly (Node's decoder skips
 * junk silently), as nginx's decode_base64 does, so a mangled offset is refused, not misread.
 */
export function decodeOffset(offset: string): unknown[] {
  const body = offset.replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(body) || body.length % 4 === 1) throw invalidOffset(offset, "bad base64 encoding");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, "base64").toString("utf8"));
  } catch {
    throw invalidOffset(offset, "bad json encoding");
  }
  if (!Array.isArray(value) || value.length === 0) throw invalidOffset(offset, "bad json encoding");
  return value;
}
