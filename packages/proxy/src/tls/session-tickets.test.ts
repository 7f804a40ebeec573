// Ticket keys: the same in every process of an installation, one per server scope, one per
// period; checked with real TLS servers and clients resuming (or not) a real session.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../../../../test/fixtures/pki/index.ts";
import { keyPeriod, resumptionOptions, rotateTicketKeys, sessionResumptionOf, ticketKey, type SessionResumption, type TicketScope } from "./session-tickets.ts";

const DAY = 86_400;

describe("ticket keys", () => {
  it("are the same for the same secret, scope and period, and differ when any of them does", () => {
    const secret = randomBytes(32);
    const key = ticketKey(secret, "sni+certificate", 7);
    assert.equal(key.length, 48);
    assert.deepEqual(ticketKey(Buffer.from(secret), "sni+certificate", 7), key);
    for (const other of [ticketKey(randomBytes(32), "sni+certificate", 7), ticketKey(secret, "sni", 7), ticketKey(secret, "sni+certificate", 8)])
      assert.notDeepEqual(other, key);
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

  async function serve(settings: SessionResumption, scope: TicketScope): Promise<tls.Server> {
    const server = tls.createServer(
      { cert: pki.server.cert, key: pki.server.key, requestCert: true, rejectUnauthorized: false, ...resumptionOptions(settings, scope) },
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
      const first = await connect(await serve(settings, "sni+certificate"), version);
      const again = await connect(await serve(settings, "sni+certificate"), version, first.session);
      assert.deepEqual(again, { ...again, reused: true, cert: true });
    });

    it(`${version}: no resumption under another scope, another secret, with tickets off, or after a rotation`, async () => {
      const secret = randomBytes(32);
      const settings = sessionResumptionOf({ tickets: true, timeoutSeconds: 1 }, secret);
      const issuer = await serve(settings, "sni+certificate");
      const first = await connect(issuer, version);
      assert.ok(first.session);
      for (const other of [
        await serve(settings, "sni"),
        await serve(sessionResumptionOf(undefined, randomBytes(32)), "sni+certificate"),
        await serve(sessionResumptionOf({ tickets: false, timeoutSeconds: DAY }, secret), "sni+certificate"),
      ])
        assert.equal((await connect(other, version, first.session)).reused, false);
      const stop = rotateTicketKeys(new Map([[issuer, "sni+certificate"]]), settings);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      stop();
      assert.equal((await connect(issuer, version, first.session)).reused, false);
    });
  }

  it("tickets off: the server's own sessions do not resume either", async () => {
    const server = await serve(sessionResumptionOf({ tickets: false, timeoutSeconds: DAY }), "sni+certificate");
    for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
      const first = await connect(server, version);
      assert.equal((await connect(server, version, first.session)).reused, false);
    }
  });
});
