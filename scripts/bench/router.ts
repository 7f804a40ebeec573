// `node --import tsx scripts/bench/router.ts`: route lookup time as the number of routes grows
// from 10 to 10,000, for plain-host routes (indexed) and path-only routes (scanned), against the
// same routes compiled without the host index.
import type { Route, Service } from "@tether/core";
import { compileRouter, type RequestFacts, type Router } from "../../packages/proxy/src/router/match.ts";

const services = new Map([["s", { id: "s", enabled: true } as Service]]);
const route = (i: number, fields: Partial<Route>): Route =>
  ({ id: `r${i}`, service: { id: "s" }, hosts: null, paths: null, methods: null, headers: null, snis: null, strip_path: true, regex_priority: 0, protocols: ["http", "https"], ...fields }) as Route;

/** Mean lookup time over ~300 ms of lookups (after a warm-up), whatever the router's speed. */
function nsPerLookup(router: Router, requests: RequestFacts[]): number {
  const until = (ms: number): number => {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(ms * 1e6);
    while (process.hrtime.bigint() < end) for (let k = 0; k < 100; k++) router.match(requests[n++ % requests.length]!);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  until(100);
  return until(300);
}

const facts = (host: string, path: string): RequestFacts => ({ method: "GET", host, port: 8000, path, scheme: "https", headers: {}, sni: undefined });

// Two views: the same 10 hosts requested at every size (the algorithm's cost), and 1,000 distinct
// hosts (adds the memory footprint: each lookup touches a different, likely uncached, route).
console.log("| routes | indexed, 10 hot hosts (ns) | indexed, 1,000 distinct hosts (ns) | scanned, 10 hot hosts (ns) | path prefixes, scanned (ns) |\n|---:|---:|---:|---:|---:|");
for (const n of [10, 100, 1_000, 10_000]) {
  const hostRoutes = Array.from({ length: n }, (_, i) => route(i, { hosts: [`h${i}.example.com`], paths: ["/"] }));
  const hot = Array.from({ length: 1000 }, (_, i) => facts(`h${((i % 10) * 7919) % n}.example.com`, "/x"));
  const distinct = Array.from({ length: 1000 }, (_, i) => facts(`h${(i * 7919) % n}.example.com`, "/x"));
  const pathRoutes = Array.from({ length: n }, (_, i) => route(i, { paths: [`/p${i}`] }));
  const pathRequests = Array.from({ length: 1000 }, (_, i) => facts("any", `/p${((i % 10) * 7919) % n}/x`));
  const indexed = compileRouter(hostRoutes, services);
  const row = [
    nsPerLookup(indexed, hot),
    nsPerLookup(indexed, distinct),
    nsPerLookup(compileRouter(hostRoutes, services, { indexHosts: false }), hot),
    nsPerLookup(compileRouter(pathRoutes, services), pathRequests),
  ];
  console.log(`| ${n} | ${row.map((x) => x.toFixed(0)).join(" | ")} |`);
}
