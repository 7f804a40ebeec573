// Which SNIs get TLS servers of their own: the names the configuration serves under.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { knownServerNames } from "./server-names.ts";

describe("known server names", () => {
  const names = knownServerNames(
    [
      { hosts: ["Api.Example.test:8443", "*.apps.test"], snis: null },
      { hosts: null, snis: ["mtls.example.test", "internal.*"] },
    ],
    [{ name: "cert.example.test" }, { name: "*" }, { name: "*.wild.test" }],
  );

  it("knows snis entities and the hosts and snis of routes (case and port aside)", () => {
    for (const name of ["api.example.test", "mtls.example.test", "cert.example.test"]) assert.equal(names.has(name), true, name);
  });

  it("matches wildcards on longer names only", () => {
    for (const name of ["a.apps.test", "a.b.apps.test", "x.wild.test", "internal.corp"]) assert.equal(names.has(name), true, name);
    for (const name of ["apps.test", "wild.test", "internal"]) assert.equal(names.has(name), false, name);
  });

  it("does not count the catch-all `*` as a name: random SNIs stay unknown", () => {
    for (const name of ["random.example.test", "example.test", "nothing"]) assert.equal(names.has(name), false, name);
  });
});
