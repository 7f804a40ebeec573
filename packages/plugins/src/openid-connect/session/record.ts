import type { PopMode } from "../proof-of-possession.ts";
import type { SessionClock } from "./timeouts.ts";

/** The authentication methods that can create a session. */
export const SESSION_CREATORS = ["bearer", "introspection", "password", "client_credentials"] as const;
export type SessionCreator = (typeof SESSION_CREATORS)[number];

const POP_MODES: readonly PopMode[] = ["off", "strict", "optional"];

/**
 * What a session cookie holds, once decrypted. Everything needed to serve a request without the
 * token being presented again: the token (forwarded upstream), what vouched for it, and the
 * facts the PoP rules need — which method created it, under which plugin instance and PoP mode,
 * and the certificate it was bound to.
 */
export interface SessionRecord {
  /** The method that authenticated the request the session was created on. */
  method: SessionCreator;
  /** The plugin instance (entity id) that created it. */
  instance: string;
  /** `proof_of_possession_mtls` of that instance when it created the session. */
  pop: PopMode;
  token: string;
  /** True when `token` is a JWT that was verified: its payload is the claims (decoded, not stored twice). */
  jwt: boolean;
  /** The introspection answer, when the token was introspected. */
  introspection: Record<string, unknown> | undefined;
  /** The token's `cnf.x5t#S256` at creation, if it was bound. */
  thumbprint: string | undefined;
  /** Token expiry (epoch s), when known. */
  expiresAt: number | undefined;
  clock: SessionClock;
}

/** Short keys keep the cookie small; this is the wire form, version 1. */
interface Wire {
  v: 1;
  m: SessionCreator;
  s: string;
  p: PopMode;
  t: string;
  j?: 1;
  i?: Record<string, unknown>;
  x?: string;
  e?: number;
  c: number;
  r: number;
  l: number;
}

export function encodeRecord(record: SessionRecord): Buffer {
  const wire: Wire = {
    v: 1,
    m: record.method,
    s: record.instance,
    p: record.pop,
    t: record.token,
    ...(record.jwt ? { j: 1 as const } : {}),
    ...(record.introspection ? { i: record.introspection } : {}),
    ...(record.thumbprint ? { x: record.thumbprint } : {}),
    ...(record.expiresAt !== undefined ? { e: record.expiresAt } : {}),
    c: record.clock.createdAt,
    r: record.clock.rolledAt,
    l: record.clock.seenAt,
  };
  return Buffer.from(JSON.stringify(wire), "utf8");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/**
 * The record in an authenticated plaintext, or undefined when its shape is not exactly version 1.
 * The cookie was authenticated, but the same secret may be shared with another build or
 * instance: nothing is taken on trust that the code below would then misread.
 */
export function decodeRecord(plaintext: Buffer): SessionRecord | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(plaintext.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(wire) || wire["v"] !== 1) return undefined;
  const { m, s, p, t, j, i, x, e, c, r, l } = wire;
  if (!(SESSION_CREATORS as readonly unknown[]).includes(m) || typeof s !== "string" || !(POP_MODES as readonly unknown[]).includes(p)) return undefined;
  if (typeof t !== "string" || t === "" || (j !== undefined && j !== 1) || (i !== undefined && !isObject(i))) return undefined;
  if ((x !== undefined && typeof x !== "string") || (e !== undefined && !isTime(e)) || !isTime(c) || !isTime(r) || !isTime(l)) return undefined;
  return {
    method: m as SessionCreator,
    instance: s,
    pop: p as PopMode,
    token: t,
    jwt: j === 1,
    introspection: i,
    thumbprint: x,
    expiresAt: e,
    clock: { createdAt: c, rolledAt: r, seenAt: l },
  };
}
