import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allowedMethods } from "./allowed-methods.ts";

describe("allowedMethods (Allow and Access-Control-Allow-Methods)", () => {
  it("a path's methods, HEAD with GET, OPTIONS always, sorted", () => {
    const layers = [
      { path: "/services", methods: ["HEAD", "GET"] },
      { path: "/services", methods: ["POST"] },
    ];
    assert.deepEqual(allowedMethods(layers), ["GET", "HEAD", "OPTIONS", "POST"]);
  });

  it("only the first matching route's path counts: /plugins/enabled is not /plugins/{plugins}", () => {
    const layers = [
      { path: "/plugins/enabled", methods: ["HEAD", "GET"] },
      { path: "/plugins/:plugins", methods: ["HEAD", "GET"] },
      { path: "/plugins/:plugins", methods: ["DELETE"] },
    ];
    assert.deepEqual(allowedMethods(layers), ["GET", "HEAD", "OPTIONS"]);
  });

  it("middleware layers (no methods) do not make a path known", () => {
    assert.deepEqual(allowedMethods([{ path: "/x", methods: [] }]), []);
    assert.deepEqual(allowedMethods([]), []);
  });
});
