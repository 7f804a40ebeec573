// TLS session resumption where a client certificate is requested (docs/tls-resumption.md): a
// resumed session carries the certificate it was made with and the binding checks that one;
// sessions never cross from where no certificate was asked, nor across SNIs, nor survive a new
// server certificate; every worker opens every worker's tickets.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID, X509Certificate } from "node:crypto";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import type { Pem } from "../fixtures/pki/index.ts";
import { selfSigned, type KeyPair } from "../fixtures/pki/self-signed.ts";
import { startScenario, type Scenario } from "../helpers/scenario.ts";
import { adminJson, waitFor } from "../helpers/tether.ts";

const VERSIONS = ["TLSv1.2", "TLSv1.3"] as const;
type Version = (typeof VERSIONS)[number];

interface Exchange {
  /** 0 when the connection ended without an HTTP response */
  status: number;
  wwwAuthenticate: string;
  reused: boolean;
  /** the last session the server issued on this connection */
  session: Buffer | undefined;
  /** SHA-256 fingerprint of the certificate the server presented (or the session holds) */
  serverCertificate: string | undefined;
  /** pid of the process that held the server end (`ss`), when asked */
  serverPid: number | undefined;
}

interface ExchangeOptions {
  port: number;
  servername: string;
  version: Version;
  token: string;
  cert?: Pem;
  session?: Buffer;
  whoAnswers?: boolean;
}

/** The process holding the server end of a local connection (Linux `ss -tnp`). */
function serverPidOf(serverPort: number, clientPort: number): number | undefined {
  const out = execFileSync("ss", ["-tnpH", "state", "established", `( sport = :${serverPort} and dport = :${clientPort} )`]).toString();
  const pid = /pid=(\d+)/.exec(out)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** One raw HTTPS request over `tls.connect`, offering `session` when given. */
function exchange(o: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let text = "";
    let session: Buffer | undefined;
    let reused = false;
    let serverPid: number | undefined;
    let serverCertificate: string | undefined;
    const socket = tls.connect(
      {
        host: "127.0.0.1",
        port: o.port,
        servername: o.servername,
        rejectUnauthorized: false,
        minVersion: o.version,
        maxVersion: o.version,
        ...(o.cert ? { cert: o.cert.cert, key: o.cert.key } : {}),
        ...(o.session ? { session: o.session } : {}),
      },
      () => {
        reused = socket.isSessionReused();
        serverCertificate = socket.getPeerX509Certificate()?.fingerprint256;
        if (o.whoAnswers) serverPid = serverPidOf(o.port, socket.localPort!);
        socket.write(`GET /resume HTTP/1.1\r\nHost: ${o.servername}\r\nAuthorization: Bearer ${o.token}\r\nConnection: close\r\n\r\n`);
      },
    );
    socket.on("session", (s: Buffer) => (session = s));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const wwwAuthenticate = /^www-authenticate: (.*)$/im.exec(text)?.[1] ?? "";
      resolve({ status, wwwAuthenticate, reused, session, serverPid, serverCertificate });
    });
  });
}

const MTLS = "mtls.tether.test";
const MTLS_2 = "mtls2.tether.test";
const PLAIN = "plain.tether.test";

/** Routes under three SNIs: two ask for the certificate and bind the token, one asks for none. */
async function routes(s: Scenario): Promise<void> {
  const t = s.tether;
  assert.equal((await adminJson(t, "POST", "/services", { name: "svc", url: s.echo.url })).status, 201);
  const oidc = { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } };
  for (const [name, host, asks] of [["mtls", MTLS, true], ["mtls2", MTLS_2, true], ["plain", PLAIN, false]] as const) {
    assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name, hosts: [host], snis: [host], protocols: ["https"] })).status, 201);
    if (asks) assert.equal((await adminJson(t, "POST", `/routes/${name}/plugins`, { name: "tls-handshake-modifier" })).status, 201);
    assert.equal((await adminJson(t, "POST", `/routes/${name}/plugins`, oidc)).status, 201);
  }
}

type Call = (o: Omit<ExchangeOptions, "port" | "token">) => Promise<Exchange>;

/** A Tether with the three routes, and a token bound to alice's certificate. */
async function setUp(env: Record<string, string> = {}): Promise<{ s: Scenario; call: Call }> {
  const s = await startScenario({ env });
  await routes(s);
  const token = await s.token({ cert: s.pki.clients.alice });
  return { s, call: (o) => exchange({ port: s.tether.httpsPort, token, ...o }) };
}

describe("TLS session resumption with a client certificate", () => {
  let s: Scenario;
  let call: Call;
  let pairs: { first: KeyPair; second: KeyPair };

  before(async () => {
    ({ s, call } = await setUp());
    pairs = { first: selfSigned(s.pki.dir, "first", "ec"), second: selfSigned(s.pki.dir, "second", "ec") };
    const alice = s.pki.clients.alice;
    await waitFor(async () => (await call({ servername: MTLS, version: "TLSv1.3", cert: alice })).status === 200);
    await waitFor(async () => (await call({ servername: MTLS_2, version: "TLSv1.3", cert: alice })).status === 200);
    await waitFor(async () => (await call({ servername: PLAIN, version: "TLSv1.3", cert: alice })).status === 401);
  });
  after(() => s.stop());

  for (const version of VERSIONS) {
    it(`${version}: a bound token passes on a resumed connection that sends no certificate`, async () => {
      const first = await call({ servername: MTLS, version, cert: s.pki.clients.alice });
      assert.equal(first.status, 200);
      assert.ok(first.session, "the server issued a ticket");
      const seen = s.echo.requests.length;
      const resumed = await call({ servername: MTLS, version, session: first.session });
      assert.equal(resumed.reused, true, "the session was resumed");
      assert.equal(resumed.status, 200);
      assert.equal(s.echo.requests.length, seen + 1);
    });

    it(`${version}: a resumed session made without a certificate is refused by the binding`, async () => {
      const first = await call({ servername: MTLS, version });
      assert.equal(first.status, 401);
      const seen = s.echo.requests.length;
      const resumed = await call({ servername: MTLS, version, session: first.session! });
      assert.equal(resumed.reused, true, "the session was resumed");
      assert.equal(resumed.status, 401);
      assert.match(resumed.wwwAuthenticate, /client certificate was not specified/);
      assert.equal(s.echo.requests.length, seen);
    });

    it(`${version}: a session made where no certificate was requested does not resume where one is`, async () => {
      const first = await call({ servername: PLAIN, version });
      assert.ok(first.session);
      const seen = s.echo.requests.length;
      // The attacker holds no certificate: a resumed plain session would reach the binding without one
      // while a fresh handshake asks for it; either way no bound token may pass.
      const offered = await call({ servername: MTLS, version, session: first.session });
      assert.equal(offered.reused, false);
      assert.equal(offered.status, 401);
      assert.equal(s.echo.requests.length, seen);
    });

    it(`${version}: a session is not resumed under another SNI that also asks for a certificate`, async () => {
      const first = await call({ servername: MTLS, version, cert: s.pki.clients.alice });
      assert.equal(first.status, 200);
      const seen = s.echo.requests.length;
      const offered = await call({ servername: MTLS_2, version, session: first.session! });
      assert.equal(offered.reused, false);
      assert.equal(offered.status, 401);
      assert.equal(s.echo.requests.length, seen);
      // Control: a fresh handshake under that SNI works.
      assert.equal((await call({ servername: MTLS_2, version, cert: s.pki.clients.alice })).status, 200);
    });

    it(`${version}: a new server certificate for the SNI ends the sessions made under the old one`, async () => {
      const alice = s.pki.clients.alice;
      // Served under MTLS once the proxy applied the change (one poll away).
      const serving = (pair: KeyPair): Promise<number> => {
        const fingerprint = new X509Certificate(pair.cert).fingerprint256;
        return waitFor(async () => (await call({ servername: MTLS, version, cert: alice })).serverCertificate === fingerprint);
      };
      const certificate = `/certificates/${randomUUID()}`;
      assert.equal((await adminJson(s.tether, "PUT", certificate, { ...pairs.first, snis: [MTLS] })).status, 200);
      await serving(pairs.first);
      const first = await call({ servername: MTLS, version, cert: alice });
      assert.equal(first.status, 200);
      const resumed = await call({ servername: MTLS, version, session: first.session! });
      assert.deepEqual([resumed.reused, resumed.status], [true, 200]);

      assert.equal((await adminJson(s.tether, "PATCH", certificate, pairs.second)).status, 200);
      await serving(pairs.second);
      const offered = await call({ servername: MTLS, version, session: resumed.session ?? first.session! });
      assert.equal(offered.reused, false, "a full handshake");
      assert.equal(offered.serverCertificate, new X509Certificate(pairs.second.cert).fingerprint256);
      assert.equal(offered.status, 401, "that asked for the certificate again");

      const fresh = await call({ servername: MTLS, version, cert: alice });
      const again = await call({ servername: MTLS, version, session: fresh.session! });
      assert.deepEqual([again.reused, again.status], [true, 200]);
      assert.equal((await adminJson(s.tether, "DELETE", certificate)).status, 204);
    });
  }
});

describe("TLS session resumption across workers", () => {
  let s: Scenario;
  let call: Call;

  before(async () => {
    ({ s, call } = await setUp({ TETHER_WORKERS: "2" }));
    // Both workers enforce the configuration once a run of answers in a row is 200.
    await waitFor(async () => {
      for (let i = 0; i < 4; i++) if ((await call({ servername: MTLS, version: "TLSv1.3", cert: s.pki.clients.alice })).status !== 200) return false;
      return true;
    }, 10_000);
  });
  after(() => s.stop());

  for (const version of VERSIONS) {
    it(`${version}: a session made on one worker resumes on the other`, async () => {
      const first = await call({ servername: MTLS, version, cert: s.pki.clients.alice, whoAnswers: true });
      assert.equal(first.status, 200);
      assert.ok(first.serverPid, "ss names the worker");
      const pids = new Set<number>();
      for (let i = 0; i < 12 && pids.size < 2; i++) {
        const resumed = await call({ servername: MTLS, version, session: first.session!, whoAnswers: true });
        assert.equal(resumed.reused, true, `connection ${i} was resumed`);
        assert.equal(resumed.status, 200);
        pids.add(resumed.serverPid!);
      }
      assert.equal(pids.size, 2, "both workers resumed the session");
    });
  }
});

describe("ssl_session_tickets = off", () => {
  let s: Scenario;
  let call: Call;

  before(async () => {
    ({ s, call } = await setUp({ TETHER_SSL_SESSION_TICKETS: "off" }));
    await waitFor(async () => (await call({ servername: MTLS, version: "TLSv1.3", cert: s.pki.clients.alice })).status === 200);
  });
  after(() => s.stop());

  for (const version of VERSIONS) {
    it(`${version}: every connection is a full handshake (Kong's disable_session_reuse, everywhere)`, async () => {
      for (const servername of [MTLS, PLAIN]) {
        const first = await call({ servername, version, cert: s.pki.clients.alice });
        const again = await call({ servername, version, cert: s.pki.clients.alice, ...(first.session ? { session: first.session } : {}) });
        assert.equal(again.reused, false, servername);
      }
    });
  }
});
