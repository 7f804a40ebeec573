// Ticket keys: the same in every process of an installation, one per server (scope, SNI,
// certificate), one per period; checked with real TLS servers and clients resuming (or not) a
// real session.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../../../../test/fixtures/pki/index.ts";
import { keyPeriod, onKeyPeriod, resumptionOptions, sessionResumptionOf, ticketKey, type SessionResumption, type TicketOwner } from "./session-tickets.ts";

const DAY = 86_400;
const OWNER: TicketOwner = { scope: "sni+certificate", serverName: "a.tether.test", certificate: "c1" };

describe("ticket keys", () => {
  it("are the same for the same secret, owner and period, and differ when any part of them does", () => {
    const secret = randomBytes(32);
    const key = ticketKey(secret, OWNER, 7);
    assert.equal(key.length, 48);
    assert.deepEqual(ticketKey(Buffer.from(secret), { ...OWNER }, 7), key);
    const others = [
      ticketKey(randomBytes(32), OWNER, 7),
      ticketKey(secret, { ...OWNER, scope: "sni" }, 7),
      ticketKey(secret, { ...OWNER, serverName: "b.tether.test" }, 7),
      ticketKey(secret, { ...OWNER, certificate: "c2" }, 7),
      ticketKey(secret, OWNER, 8),
    ];
    for (const other of others) assert.notDeepEqual(other, key);
  });

  it("change period at multiples of the session timeout", () => {
    assert.equal(keyPeriod(DAY * 1000 * 3 - 1, DAY), 2);
    assert.equal(keyPeriod(DAY * 1000 * 3, DAY), 3);
  });
});

describe("resumption between real servers", () => {
  let pki: TestPki;
  const servers: tls.Server[] = [];
  before(() => {
    pki = createPki();
  });
  after(() => servers.forEach((s) => s.close()));

  async function serve(settings: SessionResumption, owner: TicketOwner): Promise<tls.Server> {
    const server = tls.createServer(
      { cert: pki.server.cert, key: pki.server.key, requestCert: true, rejectUnauthorized: false, ...resumptionOptions(settings, owner) },
      (socket) => socket.end(JSON.stringify({ reused: socket.isSessionReused(), cert: Boolean(socket.getPeerCertificate().raw) })),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server;
  }

  function connect(server: tls.Server, version: tls.SecureVersion, session?: Buffer): Promise<{ reused: boolean; cert: boolean; session?: Buffer }> {
    return new Promise((resolve, reject) => {
      let text = "";
      let issued: Buffer | undefined;
      const alice = session ? {} : { cert: pki.clients.alice.cert, key: pki.clients.alice.key };
      const socket = tls.connect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", servername: "a.tether.test", rejectUnauthorized: false, minVersion: version, maxVersion: version, ...alice, ...(session ? { session } : {}) });
      socket.on("session", (s: Buffer) => (issued = s));
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("error", reject);
      socket.on("close", () => resolve({ ...(JSON.parse(text) as { reused: boolean; cert: boolean }), ...(issued ? { session: issued } : {}) }));
    });
  }

  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    it(`${version}: another process with the same secret resumes the session, with its client certificate`, async () => {
      const settings = sessionResumptionOf(undefined, randomBytes(32));
      const first = await connect(await serve(settings, OWNER), version);
      const again = await connect(await serve(settings, { ...OWNER }), version, first.session);
      assert.deepEqual(again, { ...again, reused: true, cert: true });
    });

    it(`${version}: no resumption under another scope, SNI, certificate or secret, with tickets off, or after a rotation`, async () => {
      const secret = randomBytes(32);
      const settings = sessionResumptionOf({ tickets: true, timeoutSeconds: 1 }, secret);
      const issuer = await serve(settings, OWNER);
      const first = await connect(issuer, version);
      assert.ok(first.session);
      for (const other of [
        await serve(settings, { ...OWNER, scope: "sni" }),
        await serve(settings, { ...OWNER, serverName: "b.tether.test" }),
        await serve(settings, { ...OWNER, certificate: "c2" }),
        await serve(sessionResumptionOf(undefined, randomBytes(32)), OWNER),
        await serve(sessionResumptionOf({ tickets: false, timeoutSeconds: DAY }, secret), OWNER),
      ])
        assert.equal((await connect(other, version, first.session)).reused, false);
      let rotations = 0;
      const stop = onKeyPeriod(settings, () => {
        rotations++;
        issuer.setTicketKeys(ticketKey(secret, OWNER, keyPeriod(Date.now(), settings.timeoutSeconds)));
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      stop();
      assert.ok(rotations >= 1);
      assert.equal((await connect(issuer, version, first.session)).reused, false);
    });
  }

  it("tickets off: the server's own sessions do not resume either", async () => {
    const server = await serve(sessionResumptionOf({ tickets: false, timeoutSeconds: DAY }), OWNER);
    for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
      const first = await connect(server, version);
      assert.equal((await connect(server, version, first.session)).reused, false);
    }
  });
});
