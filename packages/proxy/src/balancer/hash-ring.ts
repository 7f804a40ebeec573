import { createHash } from "node:crypto";

/**
 * Consistent hashing (Kong's consistent_hashing.lua, a ketama-style ring): each target with
 * weight > 0 gets points on a ring in proportion to its weight (and to `slots`); a key
 * goes to the first point at or after its hash. Adding or removing a target moves only the keys
 * near its points, and the same key always lands on the same target.
 */
export interface HashRing {
  readonly points: Uint32Array;
  /** The target index owning each point. */
  readonly owners: readonly number[];
}

/** 10000 slots give a weight-100 target 156 points (ketama's 160 per server, about). */
const POINTS_DIVISOR = 6400;

export function hash32(value: string): number {
  return createHash("md5").update(value).digest().readUInt32BE(0);
}

export function buildRing(targets: readonly { target: string; weight: number }[], slots: number): HashRing {
  const entries: [number, number][] = [];
  targets.forEach((t, index) => {
    if (t.weight === 0) return;
    // A target's points depend on its own weight only (not on the others'): adding or removing
    // a target leaves every other target's points where they were.
    const count = Math.max(1, Math.round((t.weight * slots) / POINTS_DIVISOR));
    for (let i = 0; i < count; i++) entries.push([hash32(`${t.target} ${i}`), index]);
  });
  entries.sort((a, b) => a[0] - b[0]);
  return { points: Uint32Array.from(entries.map((e) => e[0])), owners: entries.map((e) => e[1]) };
}

/** The ring positions to try for a key, in order, starting at its point (wrapping around). */
export function* ringWalk(ring: HashRing, key: string): Generator<number> {
  const n = ring.points.length;
  if (n === 0) return;
  const h = hash32(key);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.points[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  for (let i = 0; i < n; i++) yield ring.owners[(lo + i) % n]!;
}
