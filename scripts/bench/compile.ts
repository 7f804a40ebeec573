// `node --import tsx scripts/bench/compile.ts [routes]`: what one configuration reload costs the
// proxy with 10,000 routes (default): reading the store (one read transaction, on SQLite and on
// PostgreSQL when it is installed: a throw-away server, as the tests start one) and compiling the
// snapshot (router, plugin instances, handshake map). Both run on the event loop, so this is how
// long proxying pauses per reload; bursts of writes coalesce into one reload
// (snapshot/holder.ts).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fillNulls, routeSchema, serviceSchema, validateRecord, type Route, type Service } from "@tether/core";
import { bundledPlugins } from "@tether/plugins";
import { openPostgresStore, openSqliteStore, type Store } from "@tether/store";
import { postgresMissing, startPostgres } from "../../test/fixtures/postgres/index.ts";
import { compileSnapshot } from "../../packages/proxy/src/snapshot/compile.ts";
import { storeSource } from "../../packages/proxy/src/snapshot/load.ts";

const ROUTES = Number(process.argv[2] ?? 10_000);
const SERVICES = Math.max(1, Math.round(ROUTES / 100));

function entity<T>(schema: typeof routeSchema, input: Record<string, unknown>): T {
  const now = Math.floor(Date.now() / 1000);
  const value: Record<string, unknown> = { id: randomUUID(), created_at: now, updated_at: now, ...input };
  const errors = validateRecord(schema, value);
  if (errors) throw new Error(JSON.stringify(errors));
  return fillNulls(value, schema) as T;
}

/** A mix like a large real configuration: host+path routes, path-only prefixes, some regexes. */
function routeInput(i: number, serviceId: string): Record<string, unknown> {
  const service = { id: serviceId };
  switch (i % 4) {
    case 0:
    case 1:
      return { name: `r${i}`, hosts: [`api-${i}.example.com`], paths: ["/v1"], service };
    case 2:
      return { name: `r${i}`, paths: [`/p${i}`], methods: ["GET", "POST"], service };
    default:
      return { name: `r${i}`, paths: [`~/items/${i}/(?<id>\\d+)$`], service };
  }
}

async function fill(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    const serviceIds: string[] = [];
    for (let s = 0; s < SERVICES; s++) {
      const service = entity<Service>(serviceSchema, { name: `s${s}`, host: `upstream-${s}.internal`, port: 8080 });
      await tx.daos.services.insert(service);
      serviceIds.push(service.id);
    }
    for (let i = 0; i < ROUTES; i++) await tx.daos.routes.insert(entity<Route>(routeSchema, routeInput(i, serviceIds[i % SERVICES]!)));
  });
}

async function measure(name: string, store: Store): Promise<void> {
  await fill(store);
  const source = storeSource(store);
  const env = { fetch, unverifiedFetch: fetch, clientCertificateFetch: () => fetch, log: { debug() {}, info() {}, warn() {}, error() {} } };
  const runs: { load: number; compile: number }[] = [];
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    const data = await source.load();
    const t1 = performance.now();
    const snapshot = compileSnapshot(data, bundledPlugins, env);
    const t2 = performance.now();
    if (snapshot.router.size < ROUTES) throw new Error(`compiled ${snapshot.router.size} routes`);
    runs.push({ load: t1 - t0, compile: t2 - t1 });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const first = runs[0]!;
  const warm = runs.slice(1);
  const load = median(warm.map((r) => r.load));
  const compile = median(warm.map((r) => r.compile));
  console.log(`| ${name} | ${ROUTES} (first run) | ${SERVICES} | ${first.load.toFixed(0)} | ${first.compile.toFixed(0)} | ${(first.load + first.compile).toFixed(0)} |`);
  console.log(`| ${name} | ${ROUTES} (median of ${warm.length}) | ${SERVICES} | ${load.toFixed(0)} | ${compile.toFixed(0)} | ${(load + compile).toFixed(0)} |`);
}

console.log(`| store | routes | services | store load (ms) | compile (ms) | total (ms) |\n|---|---:|---:|---:|---:|---:|`);
const dir = mkdtempSync(join(tmpdir(), "tether-compile-bench-"));
const sqlite = await openSqliteStore(join(dir, "tether.db"));
try {
  await measure("sqlite", sqlite);
} finally {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}
if (!postgresMissing()) {
  const pg = await startPostgres();
  try {
    await pg.createDatabase("bench");
    const store = openPostgresStore(pg.settings("bench"), { info() {}, warn() {}, error() {} });
    await store.migrate();
    await measure("postgres", store);
    await store.close();
  } finally {
    await pg.destroy();
  }
}
