import { randomFillSync } from "node:crypto";

const ID_BYTES = 16;
const POOL = Buffer.alloc(ID_BYTES * 256);
let offset = POOL.length;

/**
 * A 32-hex-digit request id, as Kong's. Random bytes come from a pool refilled every 256 ids:
 * one getrandom call per request showed up at ~5% of the proxy's CPU time.
 */
export function nextRequestId(): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const id = POOL.toString("hex", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
