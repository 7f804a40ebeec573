// Outbound TLS to the IdP is verified: an IdP whose CA Tether does not trust is refused (500, as
// Kong answers when discovery fails) unless the instance says ssl_verify=false explicitly.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson } from "../helpers/tether.ts";

describe("trust of the IdP's TLS certificate", () => {
  let s: Scenario;
  let token: string;
  const call = (path: string) =>
    tlsRequest({ port: s.tether.httpsPort, path, headers: { authorization: `Bearer ${token}` }, cert: s.pki.clients.alice });

  before(async () => {
    s = await startScenario({ env: { TETHER_TRUSTED_CERTIFICATE: "" } }); // the test CA is not trusted
    await s.protect("/verified", { proof_of_possession_mtls: "strict" });
    await s.protect("/unverified", { proof_of_possession_mtls: "strict", ssl_verify: false });
    await untilRouted(s.tether, "/unverified");
    token = await s.token({ cert: s.pki.clients.alice });
  });
  after(() => s.stop());

  it("ssl_verify defaults to true (Kong 3.14's default)", async () => {
    const plugins = await adminJson(s.tether, "GET", "/plugins");
    const oidc = plugins.body.data.filter((p: { name: string }) => p.name === "openid-connect");
    assert.deepEqual(oidc.map((p: { config: { ssl_verify: boolean } }) => p.config.ssl_verify).sort(), [false, true]);
  });

  it("refuses to discover an untrusted IdP: 500, the cause logged", async () => {
    const res = await call("/verified");
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { message: "An unexpected error occurred" });
    assert.ok(s.tether.logs.some((l) => l.msg === "openid-connect discovery failed"));
  });

  it("with an explicit ssl_verify=false the same IdP is used, and PoP still holds", async () => {
    assert.equal((await call("/unverified")).status, 200);
    const other = await tlsRequest({ port: s.tether.httpsPort, path: "/unverified", headers: { authorization: `Bearer ${token}` }, cert: s.pki.clients.bob });
    assert.equal(other.status, 401);
  });
});
