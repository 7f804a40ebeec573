import assert from "node:assert/strict";
import { it } from "node:test";
import { discoveryUrl } from "./issuers.ts";

it("discovers at the issuer's well-known document, as Kong does", () => {
  assert.equal(discoveryUrl("https://idp.test/realms/master").href, "https://idp.test/realms/master/.well-known/openid-configuration");
  assert.equal(discoveryUrl("https://idp.test/realms/master/").href, "https://idp.test/realms/master/.well-known/openid-configuration");
  assert.equal(discoveryUrl("https://idp.test/.well-known/openid-configuration").href, "https://idp.test/.well-known/openid-configuration");
  assert.equal(discoveryUrl("https://as.test/.well-known/oauth-authorization-server").href, "https://as.test/.well-known/oauth-authorization-server");
});
