import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claimAt, claimFrom, claimValues, forbiddenClaim, issuerAllowed, issuerFailure, requirementFailure, satisfies, timeClaimsFailure } from "./claims.ts";

describe("claim paths and values", () => {
  const token = { scope: "openid email", user: { groups: ["employee", "marketing"] }, aud: "api", n: 7, o: { a: 1 } };
  it("walks nested objects, not arrays or prototypes", () => {
    assert.deepEqual(claimAt(token, ["user", "groups"]), ["employee", "marketing"]);
    assert.equal(claimAt(token, ["user", "missing"]), undefined);
    assert.equal(claimAt(token, ["scope", "length"]), undefined);
    assert.equal(claimAt(token, ["constructor"]), undefined);
  });
  it("takes the first source that has the claim (introspection, then token)", () => {
    assert.equal(claimFrom([{ scope: "read" }, token], ["scope"]), "read");
    assert.equal(claimFrom([{ active: true }, token], ["scope"]), "openid email");
    assert.equal(claimFrom([{ scope: null }, token], ["scope"]), "openid email");
  });
  it("accepts a space-separated string, an array or a scalar", () => {
    assert.deepEqual(claimValues("a  b"), ["a", "b"]);
    assert.deepEqual(claimValues(["a", 1, true, { x: 1 }]), ["a", "1", "true"]);
    assert.deepEqual(claimValues(7), ["7"]);
    assert.deepEqual(claimValues({ a: 1 }), []);
  });
});

describe("requirements (OR of entries, AND within an entry)", () => {
  it("(employee AND marketing) OR super-admins", () => {
    const required = ["employee marketing", "super-admins"];
    assert.equal(satisfies(required, ["employee", "marketing"]), true);
    assert.equal(satisfies(required, ["super-admins"]), true);
    assert.equal(satisfies(required, ["employee"]), false);
    assert.equal(satisfies([""], ["x"]), false);
  });
  it("Kong's messages", () => {
    assert.equal(requirementFailure({ kind: "scopes", required: ["write"], claim: ["scope"] }, [{ scope: "openid email" }]), "required scopes are missing. Found: [ openid email ]");
    assert.equal(requirementFailure({ kind: "scopes", required: ["write"], claim: ["scope"] }, [{}]), "scopes required but no scopes found");
    assert.equal(requirementFailure({ kind: "audience", required: ["x"], claim: null }, [{ aud: ["y"] }]), "required audience is missing. Found: [ y ]");
    assert.equal(requirementFailure({ kind: "groups", required: ["a"], claim: ["user", "groups"] }, [{ user: { groups: ["a"] } }]), undefined);
    assert.equal(requirementFailure({ kind: "roles", required: null, claim: null }, [{}]), undefined);
  });
  it("claims_forbidden looks in every source", () => {
    assert.equal(forbiddenClaim(["admin", "act"], [{ active: true }, { act: { sub: "x" } }]), "act");
    assert.equal(forbiddenClaim(["admin"], [{ admin: null }]), undefined);
    assert.equal(forbiddenClaim(null, [{ admin: 1 }]), undefined);
  });
});

describe("issuer and time claims", () => {
  it("compares issuers also without a trailing slash or well-known suffix", () => {
    assert.equal(issuerAllowed("https://idp/realms/a/", ["https://idp/realms/a"]), true);
    assert.equal(issuerAllowed("https://idp/realms/a", ["https://idp/realms/a/.well-known/openid-configuration"]), true);
    assert.equal(issuerAllowed("https://idp/realms/b", ["https://idp/realms/a"]), false);
  });
  it("a JWT needs iss, an introspection answer may omit it", () => {
    assert.match(issuerFailure({}, ["x"], true)!, /invalid issuer/);
    assert.equal(issuerFailure({}, ["x"], false), undefined);
    assert.equal(issuerFailure({ iss: "y" }, ["x"], false), "invalid issuer (y) was specified for access token, x was expected");
  });
  it("exp and nbf with leeway", () => {
    assert.equal(timeClaimsFailure({ exp: 100 }, 0, 100), "invalid exp claim (100) was specified for access token");
    assert.equal(timeClaimsFailure({ exp: 100 }, 5, 100), undefined);
    assert.equal(timeClaimsFailure({ nbf: 110 }, 5, 100), "invalid nbf claim (110) was specified for access token");
    assert.equal(timeClaimsFailure({}, 0, 100), undefined);
  });
});
