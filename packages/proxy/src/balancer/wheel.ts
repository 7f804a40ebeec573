/**
 * Kong's round-robin wheel (kong/runloop/balancer/round_robin.lua): every target with weight > 0
 * holds slots in proportion to its weight, spread over the wheel, and each pick takes the next
 * slot. Built once per configuration (immutable); the position is the caller's mutable state.
 * Smooth weighted interleaving (nginx's algorithm run once over a whole cycle) spreads a
 * target's slots instead of grouping them, so short runs are already proportional.
 */
export function buildWheel(weights: readonly number[]): readonly number[] {
  const positive = weights.filter((w) => w > 0);
  if (positive.length === 0) return [];
  const divisor = positive.reduce(gcd);
  const scaled = weights.map((w) => w / divisor);
  const total = scaled.reduce((a, b) => a + b, 0);
  const current = scaled.map(() => 0);
  const wheel: number[] = [];
  for (let slot = 0; slot < total; slot++) {
    let best = -1;
    for (let i = 0; i < scaled.length; i++) {
      if (scaled[i]! === 0) continue;
      current[i]! += scaled[i]!;
      if (best === -1 || current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    wheel.push(best);
  }
  return wheel;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
