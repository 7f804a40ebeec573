// Kong's active health checks (lua-resty-healthcheck, issue 13): real loopback backends probed by
// the real `tether start` process, with short intervals. Targets go unhealthy on probes alone (no
// traffic), traffic then avoids them, they come back after `healthy.successes` probes, /health
// shows it; https probes with SNI and verification; probing stops when the upstream goes.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { serveHttp, type AdHocServer } from "../helpers/servers.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

/** What a backend saw of one probe (a request to `/probe`). */
interface Probe {
  method: string;
  httpVersion: string;
  host: string | undefined;
  marker: string | undefined;
  servername: string | undefined;
}

interface Backend {
  name: string;
  port: number;
  probes: Probe[];
  /** Requests other than probes (proxied traffic). */
  traffic: number;
  /** The status `/probe` answers. */
  probeStatus: number;
  stop(): Promise<void>;
}

const handlerFor = (b: Backend): http.RequestListener => (req, res) => {
  if (req.url === "/probe") {
    const servername = (req.socket as Partial<TLSSocket>).servername;
    b.probes.push({
      method: req.method ?? "",
      httpVersion: req.httpVersion,
      host: req.headers.host,
      marker: req.headers["x-probe"] as string | undefined,
      servername: typeof servername === "string" ? servername : undefined,
    });
    res.writeHead(b.probeStatus).end();
    return;
  }
  b.traffic += 1;
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: b.name }));
};

/** A plain HTTP backend on 127.0.0.1 (on `port` to bring a stopped one back). */
async function httpBackend(name: string, port = 0): Promise<Backend> {
  const b: Backend = { name, port: 0, probes: [], traffic: 0, probeStatus: 200, stop: async () => undefined };
  const server: AdHocServer = await serveHttp(handlerFor(b), port);
  b.port = Number(new URL(server.url).port);
  b.stop = () => server.stop();
  return b;
}

/** An https backend serving the test PKI's server certificate (SANs: localhost, *.tether.test, 127.0.0.1). */
async function httpsBackend(name: string, pki: TestPki): Promise<Backend> {
  const b: Backend = { name, port: 0, probes: [], traffic: 0, probeStatus: 200, stop: async () => undefined };
  const server = https.createServer({ cert: pki.server.cert, key: pki.server.key }, handlerFor(b));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  b.port = (server.address() as AddressInfo).port;
  b.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return b;
}

/** Kong's full active record with short intervals: 2 failures out, 2 successes back. */
const active = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  http_path: "/probe",
  timeout: 1,
  healthy: { interval: 0.2, successes: 2 },
  unhealthy: { interval: 0.2, http_failures: 2, tcp_failures: 2, timeouts: 2 },
  ...fields,
});

describe("active health checks", () => {
  let tether: Tether;
  let pki: TestPki;
  const backends: Backend[] = [];
  let n = 0;
  before(async () => {
    pki = createPki();
    // The node's trust verifies https probes, as Kong's lua_ssl_trusted_certificate.
    tether = await startTether({ env: { TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath } });
  });
  after(async () => {
    await tether.stop();
    await Promise.all(backends.map((b) => b.stop()));
  });

  const get = async (path: string): Promise<{ status: number; name?: string }> => {
    const res = await fetch(`http://127.0.0.1:${tether.httpPort}${path}`);
    const text = await res.text();
    return { status: res.status, ...(res.status === 200 ? (JSON.parse(text) as { name: string }) : {}) };
  };

  const started = async (...names: string[]): Promise<Backend[]> => {
    const out = await Promise.all(names.map((name) => httpBackend(name)));
    backends.push(...out);
    return out;
  };

  /** An upstream on these backends, a service and a route at `/hc{n}`; waits until it serves. */
  async function balanced(upstream: Record<string, unknown>, targets: Backend[]): Promise<{ name: string; path: string }> {
    n += 1;
    const name = `hc${n}.upstream`;
    const created = await adminJson(tether, "POST", "/upstreams", { name, ...upstream });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const t of targets) assert.equal((await adminJson(tether, "POST", `/upstreams/${name}/targets`, { target: `127.0.0.1:${t.port}` })).status, 201);
    const svc = await adminJson(tether, "POST", "/services", { name: `hc-svc-${n}`, host: name, port: 80 });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    assert.equal((await adminJson(tether, "POST", `/services/hc-svc-${n}/routes`, { paths: [`/hc${n}`] })).status, 201);
    await waitFor(async () => (await get(`/hc${n}`)).status !== 404, 10_000);
    return { name, path: `/hc${n}` };
  }

  /** The health /upstreams/{u}/health reports, by target. */
  const health = async (upstream: string): Promise<Record<string, string>> => {
    const res = await adminJson(tether, "GET", `/upstreams/${upstream}/health`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return Object.fromEntries(res.body.data.map((t: { target: string; health: string }) => [t.target, t.health]));
  };
  const healthOf = async (upstream: string, b: Backend): Promise<string | undefined> => (await health(upstream))[`127.0.0.1:${b.port}`];

  const namesOf = async (path: string, count: number): Promise<string[]> => {
    const names = new Set<string>();
    for (let i = 0; i < count; i++) {
      const res = await get(path);
      assert.equal(res.status, 200);
      names.add(res.name!);
    }
    return [...names].sort();
  };

  it("http probes alone take a target answering 500 out, and bring it back after healthy.successes", async () => {
    const [sick, well] = await started("sick", "well");
    const { name, path } = await balanced({ healthchecks: { active: active({ headers: { "x-probe": ["yes"] } }) } }, [sick!, well!]);
    await waitFor(async () => sick!.probes.length > 0, 10_000);
    // lua-resty-healthcheck's request: GET http_path over HTTP/1.0, the headers, Host the target's host.
    assert.deepEqual(sick!.probes[0], { method: "GET", httpVersion: "1.0", host: "127.0.0.1", marker: "yes", servername: undefined });
    assert.deepEqual(await health(name), { [`127.0.0.1:${sick!.port}`]: "HEALTHY", [`127.0.0.1:${well!.port}`]: "HEALTHY" });

    const trafficBefore = sick!.traffic;
    sick!.probeStatus = 500;
    await waitFor(async () => (await healthOf(name, sick!)) === "UNHEALTHY", 15_000);
    assert.equal(sick!.traffic, trafficBefore, "no proxied request reached the target: probes alone found it");
    assert.deepEqual(await namesOf(path, 10), ["well"]);
    assert.equal(sick!.traffic, trafficBefore);

    sick!.probeStatus = 200;
    const probesAtRecovery = sick!.probes.length;
    await waitFor(async () => (await healthOf(name, sick!)) === "HEALTHY", 15_000);
    assert.ok(sick!.probes.length - probesAtRecovery >= 2, "two successful probes before it is healthy again");
    assert.deepEqual(await namesOf(path, 10), ["sick", "well"]);
  });

  it("tcp probes find a stopped target unhealthy and a restarted one healthy; Host is the host_header", async () => {
    const [gone, stays] = await started("gone", "stays");
    const { name, path } = await balanced({ host_header: "backend.example", healthchecks: { active: active({ type: "tcp" }) } }, [gone!, stays!]);
    await gone!.stop();
    await waitFor(async () => (await healthOf(name, gone!)) === "UNHEALTHY", 15_000);
    assert.deepEqual(await namesOf(path, 10), ["stays"]);

    const back = await httpBackend("gone", gone!.port);
    backends.push(back);
    await waitFor(async () => (await healthOf(name, back)) === "HEALTHY", 15_000);
    assert.equal(back.probes.length, 0, "tcp probes only connect");
    assert.deepEqual(await namesOf(path, 10), ["gone", "stays"]);

    // The same upstream probed over http: Host is the upstream's host_header, as Kong adds its targets.
    const patched = await adminJson(tether, "PATCH", `/upstreams/${name}`, { healthchecks: { active: active({ type: "http" }) } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await waitFor(async () => back.probes.length > 0, 10_000);
    assert.equal(back.probes[0]!.host, "backend.example");
  });

  it("https probes use https_sni and verify the certificate against the node's trust", async () => {
    const tlsTarget = await httpsBackend("tls", pki);
    backends.push(tlsTarget);
    const checks = (fields: Record<string, unknown>): Record<string, unknown> => ({ active: active({ type: "https", ...fields }) });
    const { name } = await balanced({ healthchecks: checks({ https_sni: "probe.tether.test" }) }, [tlsTarget]);
    await waitFor(async () => tlsTarget.probes.length > 0, 10_000);
    assert.equal(tlsTarget.probes[0]!.servername, "probe.tether.test");
    assert.equal(await healthOf(name, tlsTarget), "HEALTHY");

    // A name the certificate does not hold: the handshake fails, a TCP failure per probe.
    assert.equal((await adminJson(tether, "PATCH", `/upstreams/${name}`, { healthchecks: checks({ https_sni: "wrong.example" }) })).status, 200);
    await waitFor(async () => (await healthOf(name, tlsTarget)) === "UNHEALTHY", 15_000);
    // Not verifying, the same name passes.
    const unverified = checks({ https_sni: "wrong.example", https_verify_certificate: false });
    assert.equal((await adminJson(tether, "PATCH", `/upstreams/${name}`, { healthchecks: unverified })).status, 200);
    await waitFor(async () => (await healthOf(name, tlsTarget)) === "HEALTHY", 15_000);
    assert.equal(tlsTarget.probes.at(-1)!.servername, "wrong.example");
  });

  it("probes upstreams no service uses, and stops probing once the upstream is deleted", async () => {
    const [probed] = await started("probed");
    const name = `hc-lone-${++n}.upstream`;
    assert.equal((await adminJson(tether, "POST", "/upstreams", { name, healthchecks: { active: active() } })).status, 201);
    assert.equal((await adminJson(tether, "POST", `/upstreams/${name}/targets`, { target: `127.0.0.1:${probed!.port}` })).status, 201);
    await waitFor(async () => probed!.probes.length >= 2, 10_000);

    assert.equal((await adminJson(tether, "DELETE", `/upstreams/${name}`)).status, 204);
    // Settled once a full second passes without a probe (the node applies the change within it).
    let seen = probed!.probes.length;
    await waitFor(async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      const quiet = probed!.probes.length === seen;
      seen = probed!.probes.length;
      return quiet;
    }, 15_000);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(probed!.probes.length, seen, "no probe after the upstream is gone");
  });
});
