import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { declarativeId, uuidV5 } from "./ids.ts";

describe("uuidV5", () => {
  it("matches RFC 4122's example and lua-resty-jit-uuid's test vectors (the library Kong uses)", () => {
    assert.equal(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    assert.equal(uuidV5("e6ebd542-06ae-11e6-8e82-bba81706b27d", "hello"), "4850816f-1658-5890-8bfd-1ed14251f1f0");
    assert.equal(uuidV5("e6ebd542-06ae-11e6-8e82-bba81706b27d", "foobar"), "c9be99fc-326b-5066-bdba-dcd31a6d01ab");
  });
});

describe("declarativeId (Kong's ids for entries without one)", () => {
  it("is stable per entity kind and endpoint key", () => {
    const a = declarativeId("services", { name: "orders" });
    assert.match(a!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(declarativeId("services", { name: "orders", host: "other" }), a);
    assert.notEqual(declarativeId("routes", { name: "orders" }), a, "each kind has its own namespace");
    assert.equal(declarativeId("consumers", { username: "alice" }), declarativeId("consumers", { username: "alice", custom_id: "x" }));
  });

  it("falls back to the cache key, with the parent's id for the nesting field", () => {
    const underA = declarativeId("plugins", { name: "openid-connect" }, { field: "service", id: "a" });
    const underB = declarativeId("plugins", { name: "openid-connect" }, { field: "service", id: "b" });
    assert.ok(underA && underB && underA !== underB);
    assert.equal(declarativeId("plugins", { name: "openid-connect", service: "orders" }), declarativeId("plugins", { name: "openid-connect", service: "orders" }));
    assert.equal(declarativeId("mtls_auth_credentials", { subject_name: "alice@example.com" }), declarativeId("mtls_auth_credentials", { subject_name: "alice@example.com" }));
    assert.notEqual(
      declarativeId("plugins", { name: "x", instance_name: "named" }),
      declarativeId("plugins", { name: "x" }),
      "an instance_name is the endpoint key and wins over the cache key",
    );
  });

  it("leaves entries Kong gives random ids to without one", () => {
    assert.equal(declarativeId("certificates", { cert: "…" }), undefined);
    assert.equal(declarativeId("routes", { paths: ["/"] }), undefined);
    assert.equal(declarativeId("consumers", { custom_id: "only" }), undefined);
    assert.equal(declarativeId("plugins", {}), undefined, "no name: Kong gives up on the cache key");
  });
});
