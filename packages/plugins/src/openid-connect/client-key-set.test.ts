import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import type { ConfigView, Key } from "@tether/core";
import type * as oidc from "openid-client";
import { keySetJwks } from "./client-key-set.ts";
import { GatewayAuth } from "./gateway-auth.ts";
import { checkConfig, PRIVATE_KEY_JWT_MESSAGE, type OpenIdConnectConfig } from "./schema.ts";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const metadata = { issuer: "https://idp", introspection_endpoint: "https://idp/introspect" } as oidc.ServerMetadata;

function key(kid: string, material: Pick<Key, "jwk" | "pem">): Key {
  return { id: `id-${kid}`, created_at: 1, updated_at: 1, tags: null, set: { id: "s" }, name: null, kid, ...material };
}
const pemKey = key("rsa-1", { jwk: null, pem: { private_key: rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string, public_key: null } });
const jwkKey = key("ec-1", { jwk: JSON.stringify({ ...ec.privateKey.export({ format: "jwk" }), kid: "ec-1" }), pem: null });
const publicOnly = key("pub", { jwk: null, pem: { private_key: null, public_key: rsa.publicKey.export({ type: "spki", format: "pem" }) as string } });
const unresolved = key("ref", { jwk: null, pem: { private_key: "", public_key: null } });

function view(sets: Record<string, readonly Key[]>): ConfigView {
  return { consumer: () => undefined, caCertificate: () => undefined, certificate: () => undefined, mtlsCredentials: () => [], keySet: (name) => sets[name] };
}
const host = { clientCertificateFetch: () => fetch };
const prepare = (config: Partial<OpenIdConnectConfig>, sets: Record<string, readonly Key[]>) =>
  new GatewayAuth({ client_alg: null, ...config } as OpenIdConnectConfig, view(sets), host, fetch).prepare("introspection", "private_key_jwt", metadata, undefined);

describe("client_key_set (Tether's extension)", () => {
  it("takes the set's keys with a private part, PEM or JWK, in the set's order, each with its kid", () => {
    const jwks = keySetJwks([publicOnly, unresolved, pemKey, jwkKey]);
    assert.deepEqual(jwks.map((j) => [j.kid, j.kty]), [["rsa-1", "RSA"], ["ec-1", "EC"]]);
    assert.equal(jwks[0]!.d, rsa.privateKey.export({ format: "jwk" }).d);
  });

  it("signs private_key_jwt with the set's first private key; a missing set or one without a private key is a reason, never key material", async () => {
    assert.equal((await prepare({ client_key_set: "gw" }, { gw: [publicOnly, pemKey] })).ok, true);
    assert.deepEqual(await prepare({ client_key_set: "nope" }, {}), { ok: false, reason: "the key set nope (client_key_set) was not found" });
    assert.deepEqual(await prepare({ client_key_set: "gw" }, { gw: [publicOnly] }), { ok: false, reason: "private_key_jwt needs a private key in config.client_key_set" });
  });

  it("stands in for client_jwk in the config check", () => {
    const base = { issuer: "https://idp", auth_methods: ["introspection"], client_auth: ["private_key_jwt"] } as OpenIdConnectConfig;
    assert.equal(checkConfig(base), PRIVATE_KEY_JWT_MESSAGE);
    assert.equal(checkConfig({ ...base, client_key_set: "gw" }), undefined);
  });
});
