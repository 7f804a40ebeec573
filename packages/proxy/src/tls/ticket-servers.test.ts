// One TLS server (one ticket key) per (SNI, certificate requested), made on demand behind a real
// SNI front and bounded; checked with real clients resuming (or not) real sessions.
import assert from "node:assert/strict";
import https from "node:https";
import type { AddressInfo, Server } from "node:net";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { createPki, type TestPki } from "../../../../test/fixtures/pki/index.ts";
import { sessionResumptionOf } from "./session-tickets.ts";
import { createSniFront } from "./sni-front.ts";
import { TicketServers } from "./ticket-servers.ts";

const A = "a.tether.test";
const B = "b.tether.test";
const C = "c.tether.test";

interface Listener {
  servers: TicketServers;
  port: number;
  /** what certificate(name) answers: a change stands for a replaced server certificate */
  certificates: Map<string, string>;
  known: Set<string>;
}

let pki: TestPki;
const fronts: Server[] = [];
const made: TicketServers[] = [];

before(() => {
  pki = createPki();
});

after(async () => {
  for (const servers of made) {
    servers.stop();
    for (const server of servers.servers()) https.Server.prototype.closeAllConnections.call(server);
  }
  await Promise.all(fronts.map((front) => new Promise((resolve) => front.close(resolve))));
});

async function listener(options: { capacity?: number; tickets?: boolean } = {}): Promise<Listener> {
  const certificates = new Map<string, string>();
  const known = new Set([A, B, C]);
  const context = tls.createSecureContext({ cert: pki.server.cert, key: pki.server.key });
  const servers = new TicketServers({
    bySni: { SNICallback: (_name, callback) => callback(null, context) },
    noSni: { cert: pki.server.cert, key: pki.server.key },
    create: (tlsOptions) => https.createServer(tlsOptions, (req, res) => res.end(req.socket instanceof tls.TLSSocket && req.socket.isSessionReused() ? "reused" : "full")),
    resumption: sessionResumptionOf({ tickets: options.tickets ?? true, timeoutSeconds: 86_400 }),
    known: (name) => known.has(name),
    certificate: (name) => certificates.get(name) ?? "default",
    ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
  });
  made.push(servers);
  const front = createSniFront({ wantsClientCertificate: () => false, serverFor: (name, requested) => servers.serverFor(name, requested) });
  fronts.push(front);
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return { servers, port: (front.address() as AddressInfo).port, certificates, known };
}

interface Connection {
  socket: tls.TLSSocket;
  reused: boolean;
  /** One keep-alive request; resolves with the body. */
  get(): Promise<string>;
  /** Closes, and resolves with the last session the server issued. */
  end(): Promise<Buffer | undefined>;
}

function connect(port: number, servername: string, session?: Buffer): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let issued: Buffer | undefined;
    const socket = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false, maxVersion: "TLSv1.3", ...(session ? { session } : {}) }, () => {
      socket.off("error", reject);
      resolve({
        socket,
        reused: socket.isSessionReused(),
        get: () =>
          new Promise((done) => {
            let text = "";
            const onData = (chunk: Buffer): void => {
              text += chunk.toString();
              const body = /\r\n\r\n(reused|full)$/.exec(text)?.[1];
              if (body === undefined) return;
              socket.off("data", onData);
              done(body);
            };
            socket.on("data", onData);
            socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\n\r\n`);
          }),
        end: () =>
          new Promise((done) => {
            socket.once("close", () => done(issued));
            socket.end();
          }),
      });
    });
    socket.on("session", (s: Buffer) => (issued = s));
    socket.once("error", reject);
  });
}

/** A full handshake and one request under `servername`; returns the session it ended with. */
async function sessionOf(port: number, servername: string): Promise<Buffer> {
  const first = await connect(port, servername);
  assert.equal(await first.get(), "full");
  const session = await first.end();
  assert.ok(session, "the server issued a ticket");
  return session;
}

async function resumes(port: number, servername: string, session: Buffer): Promise<boolean> {
  const again = await connect(port, servername, session);
  const body = await again.get();
  await again.end();
  assert.equal(body === "reused", again.reused, "client and server agree");
  return again.reused;
}

describe("TLS servers per SNI", () => {
  it("a known name gets its own server: a session resumes under its name only", async () => {
    const l = await listener();
    const session = await sessionOf(l.port, A);
    assert.equal(await resumes(l.port, A, session), true);
    assert.equal(await resumes(l.port, B, session), false);
    assert.notEqual(l.servers.serverFor(A, false), l.servers.serverFor(B, false));
    assert.notEqual(l.servers.serverFor(A, false), l.servers.serverFor(A, true), "one per certificate flag too");
  });

  it("names the configuration does not know share one server per certificate flag", async () => {
    const l = await listener();
    for (let i = 0; i < 20; i++) l.servers.serverFor(`random-${i}.tether.test`, i % 2 === 0);
    assert.equal(l.servers.servers().length, 2);
    assert.equal(l.servers.serverFor("x.tether.test", false), l.servers.serverFor("y.tether.test", false));
    assert.notEqual(l.servers.serverFor("x.tether.test", false), l.servers.serverFor(undefined, false), "not the no-SNI one");
  });

  it("with tickets off there is nothing to keep apart: no per-name servers", async () => {
    const l = await listener({ tickets: false });
    assert.equal(l.servers.serverFor(A, false), l.servers.serverFor(B, false));
  });

  it("past the cap the least recently used server goes: it finishes its connections, and the name's next server opens its tickets", async () => {
    const l = await listener({ capacity: 2 });
    const session = await sessionOf(l.port, A);
    const open = await connect(l.port, A);
    const evicted = l.servers.serverFor(A, false);
    const closed = new Promise<void>((resolve) => evicted.once("close", () => resolve()));
    await (await connect(l.port, B)).end();
    await (await connect(l.port, C)).end();
    assert.ok(l.servers.servers().includes(evicted), "still listed for shutdown while a connection is open");
    assert.equal(await open.get(), "full", "the open connection is still served");
    await open.end();
    await closed;
    assert.ok(!l.servers.servers().includes(evicted));
    assert.equal(await resumes(l.port, A, session), true, "the new server derives the same key");
    assert.notEqual(l.servers.serverFor(A, false), evicted);
  });

  it("a certificate change gives the name's server a new key; a name no longer known goes to the shared server", async () => {
    const l = await listener();
    l.certificates.set(A, "first");
    const session = await sessionOf(l.port, A);
    const other = await sessionOf(l.port, B);
    l.servers.reconfigure();
    assert.equal(await resumes(l.port, A, session), true, "nothing changed yet");
    l.certificates.set(A, "second");
    l.servers.reconfigure();
    assert.equal(await resumes(l.port, A, session), false);
    assert.equal(await resumes(l.port, B, other), true, "another name's sessions stay");
    assert.equal(await resumes(l.port, A, await sessionOf(l.port, A)), true);
    const named = l.servers.serverFor(B, false);
    l.known.delete(B);
    l.servers.reconfigure();
    assert.equal(l.servers.serverFor(B, false), l.servers.serverFor("unknown.tether.test", false));
    assert.notEqual(l.servers.serverFor(B, false), named);
  });
});
