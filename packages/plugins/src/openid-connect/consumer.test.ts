import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Consumer } from "@tether/core";
import { alreadyAuthenticated, anonymousConsumer, consumerHeaders } from "../consumer-headers.ts";
import { consumerMapping, credentialIdentifier, findConsumer } from "./consumer.ts";

const consumer = (id: string, username: string | null, custom_id: string | null): Consumer =>
  ({ id, username, custom_id, created_at: 0, updated_at: 0, tags: null }) as unknown as Consumer;
const alice = consumer("11111111-1111-4111-8111-111111111111", "Alice", null);
const svc = consumer("22222222-2222-4222-8222-222222222222", null, "cert-bound");
const view = {
  consumer(by: "id" | "username" | "custom_id", value: string, ignoreCase = false): Consumer | undefined {
    for (const c of [alice, svc]) {
      const field = by === "id" ? c.id : by === "username" ? c.username : c.custom_id;
      if (field !== null && (field === value || (ignoreCase && field.toLowerCase() === value.toLowerCase()))) return c;
    }
    return undefined;
  },
};

describe("consumer mapping", () => {
  const base = { consumer_by: null, by_username_ignore_case: false };
  it("no consumer_claim: no mapping", () => assert.equal(consumerMapping({ ...base, consumer_claim: null }), undefined));
  it("consumer_claim + consumer_by in order", () => {
    const m = consumerMapping({ ...base, consumer_claim: ["client_id"] })!;
    assert.equal(findConsumer(view, m, [{ client_id: "cert-bound" }]), svc);
    assert.equal(findConsumer(view, m, [{ client_id: "nobody" }]), undefined);
    assert.equal(findConsumer(view, { ...m, by: ["username"] }, [{ client_id: "cert-bound" }]), undefined);
  });
  it("by_username_ignore_case", () => {
    const m = consumerMapping({ ...base, consumer_claim: ["preferred_username"] })!;
    assert.equal(findConsumer(view, m, [{ preferred_username: "alice" }]), undefined);
    assert.equal(findConsumer(view, { ...m, ignoreCase: true }, [{ preferred_username: "alice" }]), alice);
  });
  it("consumer_claims: paths in turn, first consumer found wins; nested paths", () => {
    const m = consumerMapping({ ...base, consumer_claims: [["user", "name"], ["client_id"]] })!;
    assert.equal(findConsumer(view, m, [{ user: { name: "Alice" }, client_id: "cert-bound" }]), alice);
    assert.equal(findConsumer(view, m, [{ user: { name: "nobody" }, client_id: "cert-bound" }]), svc);
  });
  it("introspection answer before the token", () => {
    const m = consumerMapping({ ...base, consumer_claim: ["sub"], consumer_by: ["id"] })!;
    assert.equal(findConsumer(view, m, [{ sub: svc.id }, { sub: alice.id }]), svc);
  });
  it("credential_claim (default sub)", () => {
    assert.equal(credentialIdentifier(null, [{ sub: "s1" }]), "s1");
    assert.equal(credentialIdentifier(["client_id"], [{ sub: "s1", client_id: "c" }]), "c");
    assert.equal(credentialIdentifier(null, [{}]), undefined);
  });
});

describe("consumer headers (shared with mtls-auth)", () => {
  it("sets what the consumer has and removes the rest, so client copies never pass", () => {
    assert.deepEqual(consumerHeaders({ consumer: alice, credential: "sub-1", anonymous: false }), [
      ["X-Consumer-ID", alice.id],
      ["X-Consumer-Custom-ID", null],
      ["X-Consumer-Username", "Alice"],
      ["X-Credential-Identifier", "sub-1"],
      ["X-Anonymous-Consumer", null],
    ]);
    assert.deepEqual(consumerHeaders({ consumer: svc, credential: undefined, anonymous: true }).slice(1), [
      ["X-Consumer-Custom-ID", "cert-bound"],
      ["X-Consumer-Username", null],
      ["X-Credential-Identifier", null],
      ["X-Anonymous-Consumer", "true"],
    ]);
  });
  it("anonymous is an id or a username", () => {
    assert.equal(anonymousConsumer(view, alice.id), alice);
    assert.equal(anonymousConsumer(view, "Alice"), alice);
    assert.equal(anonymousConsumer(view, "ghost"), undefined);
  });
  it("an anonymous fallback does not count as authenticated", () => {
    const ctx = (authenticated: unknown) => ({ authenticated }) as Parameters<typeof alreadyAuthenticated>[0];
    assert.equal(alreadyAuthenticated(ctx(undefined)), false);
    assert.equal(alreadyAuthenticated(ctx({ consumer: alice, credential: undefined, anonymous: true })), false);
    assert.equal(alreadyAuthenticated(ctx({ consumer: alice, credential: undefined, anonymous: false })), true);
  });
});
