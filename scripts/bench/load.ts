// A closed-loop HTTP(S) load client: N keep-alive connections, each sending the next request as
// soon as the previous answer arrives, optionally presenting a client certificate (wrk and h2load
// cannot). Runs in its own process so it does not share an event loop with what it measures.
//   node --import tsx scripts/bench/load.ts '<json LoadSpec>'   → prints one JSON LoadResult line
import { readFileSync } from "node:fs";
import { generateProof, type KeyPair } from "dpop";
import { importJWK, type JWK } from "jose";
import { Pool } from "undici";

export interface LoadSpec {
  url: string;
  connections: number;
  durationMs: number;
  warmupMs: number;
  headers?: Record<string, string>;
  /** When given, each request carries the next of these as its Authorization header, in turn. */
  authorizations?: string[];
  certPath?: string;
  keyPath?: string;
  servername?: string;
  /** HTTP/2 (ALPN h2): `connections` requests in flight as streams, `H2_STREAMS` per connection. */
  h2?: boolean;
  /** DPoP (RFC 9449): every request is `Authorization: DPoP <token>` with a fresh proof by this ES256 key. */
  dpop?: { privateJwk: JWK; publicJwk: JWK; token: string };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  statuses: Record<string, number>;
}

/** Streams per h2 connection: what a browser or gRPC client multiplexes, and what shows h2's own cost. */
const H2_STREAMS = 8;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, {
    ...(spec.h2 ? { allowH2: true, connections: Math.ceil(spec.connections / H2_STREAMS), pipelining: H2_STREAMS } : { connections: spec.connections, pipelining: 1 }),
    connect: {
      rejectUnauthorized: false,
      ...(spec.servername ? { servername: spec.servername } : {}),
      ...(spec.certPath ? { cert: readFileSync(spec.certPath), key: readFileSync(spec.keyPath!) } : {}),
    },
  });
  const path = url.pathname + url.search;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let recording = false;
  let stop = false;
  let next = 0;
  const dpopKey: KeyPair | undefined = spec.dpop && {
    privateKey: (await importJWK(spec.dpop.privateJwk, "ES256")) as KeyPair["privateKey"],
    publicKey: (await importJWK(spec.dpop.publicJwk, "ES256", { extractable: true })) as KeyPair["publicKey"],
  };
  const htu = url.origin + url.pathname;
  const headersFor = async (): Promise<Record<string, string> | undefined> => {
    if (spec.dpop && dpopKey) return { ...spec.headers, authorization: `DPoP ${spec.dpop.token}`, dpop: await generateProof(dpopKey, htu, "GET", undefined, spec.dpop.token) };
    const list = spec.authorizations;
    if (!list?.length) return spec.headers;
    return { ...spec.headers, authorization: list[next++ % list.length]! };
  };
  const worker = async (): Promise<void> => {
    while (!stop) {
      const start = performance.now();
      try {
        const res = await pool.request({ path, method: "GET", headers: await headersFor() });
        await res.body.dump();
        if (recording) {
          latencies.push(performance.now() - start);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        }
      } catch {
        if (recording) errors++;
      }
    }
  };
  const workers = Array.from({ length: spec.connections }, worker);
  await new Promise((r) => setTimeout(r, spec.warmupMs));
  recording = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, spec.durationMs));
  recording = false;
  const elapsed = performance.now() - t0;
  stop = true;
  await Promise.all(workers);
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    rps: Math.round((latencies.length / elapsed) * 1000),
    p50Ms: Number(percentile(sorted, 50).toFixed(3)),
    p99Ms: Number(percentile(sorted, 99).toFixed(3)),
    errors,
    statuses,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  runLoad(spec).then((r) => console.log(JSON.stringify(r)));
}
