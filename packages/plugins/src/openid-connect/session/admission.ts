import type { PopMode } from "../proof-of-possession.ts";
import type { SessionRecord } from "./record.ts";

/** Methods whose tokens can carry a certificate binding (`cnf.x5t#S256`). */
const POP_METHODS: ReadonlySet<string> = new Set(["bearer", "introspection"]);

export interface Instance {
  id: string;
  pop: PopMode;
  /** `proof_of_possession_auth_methods_validation`. */
  methodsValidation: boolean;
}

export type Admission =
  /** `checkBinding`: run the certificate check against the session's stored binding. */
  | { ok: true; checkBinding: boolean }
  | { ok: false; reason: string };

/**
 * May this instance serve a request on this session, and must the certificate be checked?
 *
 * Kong checks sessions created by `bearer`/`introspection` against their stored token and lets
 * sessions created by other methods through unchecked (possible only with
 * `proof_of_possession_auth_methods_validation=false`). Kong leaves one hole, which it documents:
 * two instances sharing a `session_secret` accept each other's cookies, so a session made on a
 * route without PoP (unbound token, no certificate) opens a PoP route. Tether closes it: on an
 * instance with PoP on,
 * - a session created where PoP was off (another instance, or this one before PoP was enabled)
 *   is refused;
 * - a session created by a method PoP cannot check is refused unless this very instance made it
 *   and lets those methods skip PoP (validation off), which is Kong's rule within the instance.
 */
export function admitSession(record: SessionRecord, here: Instance): Admission {
  const bindable = POP_METHODS.has(record.method);
  if (here.pop === "off") return { ok: true, checkBinding: false };
  if (record.pop === "off") return { ok: false, reason: "the session was created without proof of possession" };
  if (bindable) return { ok: true, checkBinding: true };
  if (!here.methodsValidation && record.instance === here.id) return { ok: true, checkBinding: false };
  return { ok: false, reason: `a session created by ${record.method} cannot be used with proof of possession` };
}
