import { invalidOptions } from "@tether/core";
import type { TagFilter } from "@tether/store";

/** One tag in a filter: printable ASCII but `,` and `/` (the separators), or any non-ASCII character. */
const TAG = /^[\x20-\x2B\x2D\x2E\x30-\x7E\u0080-\u{10FFFF}]+$/u;
const MAX_TAGS = 5;

/** The parts of a filter split on one separator, or undefined when that separator does not fit. */
function splitOn(value: string, separator: string): string[] | undefined {
  const parts = value.split(separator);
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // "a," is a list of one, as Kong's regex reads it
  return parts.every((part) => TAG.test(part)) ? parts : undefined;
}

/**
 * Kong's `?tags=` (kong/api/endpoints.lua extract_options + the DAO's option checks): `a,b` wants
 * both, `a/b` either; a mix of separators, an empty tag or an unprintable character is "invalid
 * filter syntax", more than five tags is refused, and an empty value cannot be null. With the
 * argument repeated Kong reads the first one.
 */
export function parseTagFilter(raw: string | string[] | undefined): TagFilter | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === "") throw invalidOptions({ tags: "cannot be null" });
  const all = splitOn(value, ",");
  const any = all ? undefined : splitOn(value, "/");
  const tags = all ?? any;
  if (!tags) throw invalidOptions({ tags: "invalid filter syntax" });
  if (tags.length > MAX_TAGS) throw invalidOptions({ tags: `cannot query more than ${MAX_TAGS} tags` });
  return { tags, match: all ? "all" : "any" };
}
