import { invalidSize } from "@tether/core";
import type { Page } from "@tether/store";

/** Kong's `size` query argument: default 100, an integer from 1 to 1000. */
export function parseSize(raw: string | string[] | undefined): number {
  if (raw === undefined) return 100;
  const value = lastValue(raw);
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw invalidSize("size must be a number");
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw invalidSize("size must be an integer between 1 and 1000");
  return size;
}

const lastValue = (raw: string | string[]): string => (Array.isArray(raw) ? raw[raw.length - 1]! : raw);

/** nginx's escape_uri: everything but letters, digits and `-._~` is %-escaped (encodeURIComponent keeps `!'()*`). */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * What a top-level list's `next` carries besides the offset: the `tags` and `size` the request
 * gave, as given (kong/api/endpoints.lua; nested lists and `/tags` carry neither).
 */
export function nextQuery(query: Record<string, string | string[] | undefined>): string {
  let extra = "";
  const tags = query["tags"];
  if (tags !== undefined) extra += `&tags=${escapeUri(Array.isArray(tags) ? tags[0]! : tags)}`;
  const size = query["size"];
  if (size !== undefined) extra += `&size=${escapeUri(lastValue(size))}`;
  return extra;
}

/** `{"data": […], "next": "/path?offset=…", "offset": "…"}`; the last page has `next: null` and no offset. */
export function listBody<E>(page: Page<E>, path: string, extra = ""): Record<string, unknown> {
  if (page.offset === undefined) return { data: page.data, next: null };
  return { data: page.data, next: `${path}?offset=${escapeUri(page.offset)}${extra}`, offset: page.offset };
}
