// The host index must never change which route wins: on random route sets and requests, the
// indexed router answers exactly as a plain scan of the same priority-sorted list.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Route, Service } from "@tether/core";
import { mulberry32 } from "../../../../test/helpers/prng.ts";
import { compileRouter, type RequestFacts } from "./match.ts";

const service = { id: "s", enabled: true } as Service;
const services = new Map([["s", service]]);

it("indexed and scanning routers agree on 5,000 random requests", () => {
  const seed = Number(process.env["ROUTER_SEED"] ?? 20261129);
  const rand = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const hosts = ["a.test", "b.test", "c.test", "*.test", "a.*", "x.b.test"];
  const paths = ["/", "/a", "/a/b", "/b", "~/a/[0-9]+", "~/b"];
  const routes: Route[] = Array.from({ length: 60 }, (_, i) => ({
    id: `r${i}`,
    service: { id: "s" },
    hosts: rand() < 0.7 ? Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(hosts)) : null,
    paths: rand() < 0.8 ? [pick(paths)] : null,
    methods: rand() < 0.2 ? ["GET"] : null,
    headers: null,
    snis: null,
    strip_path: true,
    regex_priority: Math.floor(rand() * 3),
    protocols: ["http", "https"],
  }) as unknown as Route);
  const indexed = compileRouter(routes, services);
  const scanning = compileRouter(routes, services, { indexHosts: false });
  for (let n = 0; n < 5000; n++) {
    const facts: RequestFacts = {
      method: pick(["GET", "POST"]),
      host: pick(["a.test", "b.test", "c.test", "x.b.test", "a.org", "zzz"]),
      port: 8000,
      path: pick(["/", "/a", "/a/b", "/a/12", "/b/c", "/c"]),
      scheme: "http",
      headers: {},
      sni: undefined,
    };
    assert.equal(indexed.match(facts)?.route.id, scanning.match(facts)?.route.id, `seed ${seed}, request ${JSON.stringify(facts)}`);
  }
});
