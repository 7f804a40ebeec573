import { invalidSize } from "@tether/core";
import type { Page } from "@tether/store";

/** Kong's `size` query argument: default 100, an integer from 1 to 1000. */
export function parseSize(raw: string | string[] | undefined): number {
  if (raw === undefined) return 100;
  const value = Array.isArray(raw) ? raw[raw.length - 1]! : raw;
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw invalidSize("size must be a number");
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw invalidSize("size must be an integer between 1 and 1000");
  return size;
}

/** `{"data": […], "next": "/path?offset=…", "offset": "…"}`; the last page has `next: null` and no offset. */
export function listBody<E>(page: Page<E>, path: string, size: number, sizeGiven: boolean): Record<string, unknown> {
  if (page.offset === undefined) return { data: page.data, next: null };
  const query = new URLSearchParams({ offset: page.offset });
  if (sizeGiven) query.set("size", String(size));
  return { data: page.data, next: `${path}?${query.toString()}`, offset: page.offset };
}
