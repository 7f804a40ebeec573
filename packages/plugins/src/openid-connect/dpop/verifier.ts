import type { AccessContext, PluginEnvironment } from "@tether/core";
import type { Failure } from "../challenge.ts";
import { rawHeaderValues } from "../find-token.ts";
import { thumbprintsEqual, type BindingDecision } from "../proof-of-possession.ts";
import type { OpenIdConnectConfig } from "../schema.ts";
import { sessionSecret } from "../session/secret.ts";
import type { Verified } from "../verified.ts";
import { boundJkt, DPOP_ERRORS, dpopRequirement, type Presentation } from "./binding.ts";
import { addressedUri } from "./htu.ts";
import { DpopNonces } from "./nonce.ts";
import { verifyProof } from "./proof.ts";
import { replayGuardFor } from "./replay.ts";

/** How far in the future a proof's `iat` may be (plus `leeway`): clocks drift a little. */
export const DPOP_FUTURE_SKEW_SEC = 5;

export interface DpopCheck {
  /** The DPoP branch of proof of possession for a token that `bearer`/`introspection` accepted. */
  verify(ctx: AccessContext, auth: Verified): Promise<BindingDecision>;
}

/**
 * `proof_of_possession_dpop` (reference 3.11, RFC 9449): undefined when off. Nonces, when on,
 * are stateless (nonce.ts) and keyed from the installation secret, so any worker or node accepts
 * any other's; accepted proofs are remembered per process (replay.ts). On success the `DPoP`
 * header is not forwarded and, with nonces, a fresh `DPoP-Nonce` goes back to the client.
 */
export function createDpopCheck(config: OpenIdConnectConfig, env: PluginEnvironment): DpopCheck | undefined {
  const mode = config.proof_of_possession_dpop ?? "off";
  if (mode === "off") return undefined;
  const lifetimeSec = config.dpop_proof_lifetime ?? 300;
  const futureSkewSec = DPOP_FUTURE_SKEW_SEC + (config.leeway ?? 0);
  const nonces = config.dpop_use_nonce ? new DpopNonces(sessionSecret({}, env), lifetimeSec) : undefined;
  const replay = replayGuardFor(env);

  const proofFailure = (nowSec: number, failure: Failure): BindingDecision => ({ ok: false, failure: nonces ? { ...failure, nonce: nonces.issue(nowSec) } : failure });
  const invalidProof = (nowSec: number, reason: string, kind: "dpop_proof" | "dpop_replay" = "dpop_proof"): BindingDecision =>
    proofFailure(nowSec, { error: "invalid_dpop_proof", description: DPOP_ERRORS.proof, reason, kind });

  return {
    async verify(ctx, auth) {
      const nowSec = Date.now() / 1000;
      const jkt = boundJkt(auth.bindingClaims);
      const presentation: Presentation = auth.method === "session" ? "session" : auth.dpopScheme ? "dpop" : "bearer";
      const required = dpopRequirement(mode, presentation, jkt);
      if (required !== "verify") {
        if (required.ok) ctx.removeUpstreamHeader("dpop");
        return required;
      }
      const checked = await verifyProof(rawHeaderValues(ctx, "dpop"), {
        method: ctx.method,
        uri: addressedUri(ctx, ctx.peerTrusted === true),
        token: auth.token,
        nowSec,
        lifetimeSec,
        futureSkewSec,
      });
      if (!checked.ok) return invalidProof(nowSec, checked.reason);
      const { proof } = checked;
      if (!thumbprintsEqual(proof.jkt, jkt!))
        return { ok: false, binding: "mismatch", failure: { error: "invalid_token", description: DPOP_ERRORS.binding, reason: "the DPoP proof key does not match cnf.jkt", kind: "binding" } };
      if (nonces && !nonces.valid(proof.nonce, nowSec))
        return proofFailure(nowSec, { error: "use_dpop_nonce", description: DPOP_ERRORS.proof, reason: "the DPoP proof has no valid nonce", kind: "dpop_nonce" });
      if (!replay.firstUse(proof.jkt, proof.jti, (proof.iat + lifetimeSec) * 1000)) return invalidProof(nowSec, "the DPoP proof was used before (jti)", "dpop_replay");
      ctx.removeUpstreamHeader("dpop");
      if (nonces) ctx.setResponseHeader("DPoP-Nonce", nonces.issue(nowSec));
      return { ok: true, binding: "match" };
    },
  };
}
