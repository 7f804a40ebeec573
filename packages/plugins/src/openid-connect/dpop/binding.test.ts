import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boundJkt, dpopRequirement } from "./binding.ts";

describe("dpopRequirement", () => {
  it("a bound token needs a proof, unless downgraded to Bearer (refused)", () => {
    assert.equal(dpopRequirement("strict", "dpop", "jkt"), "verify");
    assert.equal(dpopRequirement("optional", "session", "jkt"), "verify");
    const downgrade = dpopRequirement("optional", "bearer", "jkt");
    assert.ok(downgrade !== "verify" && !downgrade.ok && downgrade.failure.error === "invalid_token");
  });
  it("an unbound token: refused with the DPoP scheme or in strict mode, passes optional", () => {
    for (const [mode, presentation] of [["optional", "dpop"], ["strict", "bearer"], ["strict", "session"]] as const) {
      const decision = dpopRequirement(mode, presentation, undefined);
      assert.ok(decision !== "verify" && !decision.ok && decision.binding === "claim_missing", `${mode} ${presentation}`);
    }
    assert.deepEqual(dpopRequirement("optional", "bearer", undefined), { ok: true, binding: "unbound_allowed" });
  });
});

describe("boundJkt", () => {
  it("reads cnf.jkt as a string only", () => {
    assert.equal(boundJkt({ cnf: { jkt: "abc" } }), "abc");
    for (const claims of [{}, { cnf: null }, { cnf: { jkt: 1 } }, { cnf: "jkt" }]) assert.equal(boundJkt(claims), undefined);
  });
});
