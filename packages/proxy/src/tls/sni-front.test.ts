import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { MAX_CLIENT_HELLO_WIRE_BYTES, MAX_HANDSHAKE_BODY, parseClientHello } from "./client-hello.ts";
import { certificateRequestingOptions, plainOptions } from "./server-options.ts";
import { createSniFront, serverNameOf } from "./sni-front.ts";
import { mulberry32 } from "../../../../test/helpers/prng.ts";

interface Pki {
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
}

interface Answer {
  server: "cert" | "plain";
  cert: boolean;
  sni: string | undefined;
  /** what Node itself puts on the TLSSocket, to compare with serverNameOf */
  tlsServername: string | false;
  reused: boolean;
}

const dir = mkdtempSync(join(tmpdir(), "tether-sni-"));

function makePki(): Pki {
  const openssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Tether test CA");
  const issue = (name: string, subject: string, extensions: string): void => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", `${name}.pem`, "-days", "1", "-extfile", `${name}.ext`);
  };
  issue("server", "/CN=mtls.test", "subjectAltName=DNS:mtls.test,DNS:plain.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  issue("client", "/CN=client.test", "extendedKeyUsage=clientAuth\n");
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return {
    ca: read("ca.pem"),
    serverKey: read("server.key"),
    serverCert: read("server.pem"),
    clientKey: read("client.key"),
    clientCert: read("client.pem"),
  };
}

const pki = makePki();
const base: tls.TlsOptions = { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca };

function answer(server: Answer["server"]) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const socket = req.socket;
    assert.ok(socket instanceof tls.TLSSocket);
    const body: Answer = {
      server,
      cert: !!socket.getPeerX509Certificate?.(),
      sni: serverNameOf(socket),
      tlsServername: (socket as tls.TLSSocket & { servername: string | false }).servername,
      reused: socket.isSessionReused(),
    };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  };
}

// Short HTTP timeouts so test (h) can see them enforced on handed-off connections.
const httpTimeouts = { headersTimeout: 500, requestTimeout: 500, connectionsCheckingInterval: 50 };
const certServer = https.createServer({ ...certificateRequestingOptions(base), ...httpTimeouts }, answer("cert"));
const plainServer = https.createServer({ ...plainOptions(base), ...httpTimeouts }, answer("plain"));
/** Same options as certServer, listening by itself: the baseline for the latency figure. */
const directServer = https.createServer(certificateRequestingOptions(base), answer("cert"));

const asked: Array<string | undefined> = [];
let wantsWithoutSni = true;
const front = createSniFront({
  wantsClientCertificate(serverName) {
    asked.push(serverName);
    if (serverName === undefined) return wantsWithoutSni;
    if (serverName === "explode.test") throw new Error("configuration lookup failed");
    return serverName === "mtls.test";
  },
  serverFor: (_serverName, requestCertificate) => (requestCertificate ? certServer : plainServer),
  helloTimeoutMs: 200,
});

let frontPort = 0;
let directPort = 0;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      assert.ok(address !== null && typeof address === "object");
      resolve(address.port);
    });
  });
}

before(async () => {
  frontPort = await listen(front);
  directPort = await listen(directServer);
});

after(async () => {
  const closed = new Promise<void>((resolve) => front.close(() => resolve()));
  for (const server of [certServer, plainServer, directServer]) {
    server.closeAllConnections();
    server.close();
  }
  await closed;
  rmSync(dir, { recursive: true, force: true });
});

interface ClientOptions {
  servername: string;
  withCert: boolean;
  port?: number;
}

/** A real https.request with its own connection (agent: false), verifying the server chain. */
function request(opts: ClientOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: opts.port ?? frontPort,
        path: "/",
        servername: opts.servername,
        ca: pki.ca,
        ...(opts.withCert ? { cert: pki.clientCert, key: pki.clientKey } : {}),
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(JSON.parse(text) as Answer));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

interface RawExchange {
  answer: Answer;
  clientSawReuse: boolean;
  session: Buffer | undefined;
}

/** tls.connect + a hand-written request, so a previous session can be offered. */
function exchange(servername: string, version: tls.SecureVersion, session?: Buffer): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    let newSession: Buffer | undefined;
    let clientSawReuse = false;
    let text = "";
    const socket = tls.connect(
      {
        host: "127.0.0.1",
        port: frontPort,
        servername,
        ca: pki.ca,
        cert: pki.clientCert,
        key: pki.clientKey,
        minVersion: version,
        maxVersion: version,
        ...(session ? { session } : {}),
      },
      () => {
        clientSawReuse = socket.isSessionReused();
        socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
      },
    );
    // TLS 1.3 tickets arrive after the handshake; 'session' is the documented way to get them.
    socket.on("session", (s: Buffer) => (newSession = s));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const bodyStart = text.indexOf("\r\n\r\n");
      if (bodyStart < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(text)}`));
      resolve({ answer: JSON.parse(text.slice(bodyStart + 4)) as Answer, clientSawReuse, session: newSession });
    });
  });
}

function closedWithin(socket: net.Socket, ms: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after ${ms} ms`));
    }, ms);
    socket.on("error", () => {});
    socket.resume(); // read to EOF: a server that ends (408) rather than destroys is seen only so
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe("SNI front, real handshakes", () => {
  it("(a) SNI that wants a certificate: the server sees the client certificate", async () => {
    const got = await request({ servername: "mtls.test", withCert: true });
    assert.equal(got.server, "cert");
    assert.equal(got.cert, true);
    assert.equal(got.sni, "mtls.test");
    assert.equal(got.tlsServername, "mtls.test");
  });

  it("(b) SNI that does not want one: no CertificateRequest, so no certificate although the client has one", async () => {
    const got = await request({ servername: "plain.test", withCert: true });
    assert.equal(got.server, "plain");
    assert.equal(got.cert, false);
    assert.equal(got.sni, "plain.test");
  });

  it("(c) no SNI: decided by wantsClientCertificate(undefined)", async () => {
    try {
      asked.length = 0;
      wantsWithoutSni = true;
      const wanted = await request({ servername: "", withCert: true });
      assert.deepEqual(asked, [undefined]);
      assert.equal(wanted.server, "cert");
      assert.equal(wanted.cert, true);
      assert.equal(wanted.sni, undefined);
      assert.equal(wanted.tlsServername, false); // Node's own field: false, not undefined, without SNI

      wantsWithoutSni = false;
      const unwanted = await request({ servername: "", withCert: true });
      assert.equal(unwanted.server, "plain");
      assert.equal(unwanted.cert, false);
    } finally {
      wantsWithoutSni = true;
    }
  });

  it("(d) a client without a certificate completes the handshake on the requesting server", async () => {
    const got = await request({ servername: "mtls.test", withCert: false });
    assert.equal(got.server, "cert");
    assert.equal(got.cert, false);
  });

  it("SNI is normalised for the decision (case, trailing dot); tlsSocket.servername is verbatim", async () => {
    const got = await request({ servername: "MTLS.Test.", withCert: true });
    assert.equal(got.server, "cert");
    assert.equal(got.sni, "mtls.test");
    assert.equal(got.tlsServername, "MTLS.Test.");
  });

  it("a throwing wantsClientCertificate requests the certificate rather than failing the connection", async () => {
    // The server certificate does not cover explode.test, so skip name verification only.
    const got = await new Promise<Answer>((resolve, reject) => {
      const req = https.request(
        { host: "127.0.0.1", port: frontPort, servername: "explode.test", ca: pki.ca, cert: pki.clientCert,
          key: pki.clientKey, agent: false, checkServerIdentity: () => undefined },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve(JSON.parse(text) as Answer));
        },
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(got.server, "cert");
    assert.equal(got.cert, true);
  });

  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    it(`(e) ${version}: sessions resume on each server, never from the plain one on the requesting one`, async () => {
      const plainFirst = await exchange("plain.test", version);
      assert.ok(plainFirst.session, "plain server issued a session");
      const plainSecond = await exchange("plain.test", version, plainFirst.session);
      assert.equal(plainSecond.clientSawReuse, true);
      assert.equal(plainSecond.answer.reused, true);

      const first = await exchange("mtls.test", version);
      assert.equal(first.answer.cert, true);
      const second = await exchange("mtls.test", version, first.session);
      assert.equal(second.answer.reused, true);
      assert.equal(second.answer.cert, true, "the resumed session carries the certificate");

      // Each server seals tickets with its own key: a session made where no certificate was
      // asked for does not open where one is (a fresh handshake asks for it).
      const crossed = await exchange("mtls.test", version, plainFirst.session);
      assert.equal(crossed.answer.reused, false);
      assert.equal(crossed.answer.server, "cert");
    });
  }

  it("(f) a slowloris that sends 3 bytes and stops is destroyed after helloTimeoutMs", async () => {
    const socket = net.connect(frontPort, "127.0.0.1", () => socket.write(Buffer.from([0x16, 0x03, 0x01])));
    const elapsed = await closedWithin(socket, 3_000);
    assert.ok(elapsed >= 150, `closed after ${elapsed} ms`);
  });

  it("(f) a silent socket is destroyed after helloTimeoutMs too", async () => {
    const socket = net.connect(frontPort, "127.0.0.1");
    const elapsed = await closedWithin(socket, 3_000);
    assert.ok(elapsed >= 150, `closed after ${elapsed} ms`);
  });

  it("plain HTTP on the TLS port goes to the plain server's TLS layer, which drops it", async () => {
    const seen = new Promise<Error>((resolve) => plainServer.once("tlsClientError", (err: Error) => resolve(err)));
    const socket = net.connect(frontPort, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await closedWithin(socket, 3_000);
    const err = await seen;
    assert.match(err.message, /http request|wrong version number/i);
  });

  it("a client that resets mid-hello does not crash the process", async () => {
    // Reset only once the front holds the bytes: a reset racing the data reads as a clean EOF.
    // No 'error' listener of ours on the raw socket: only the front's may catch the ECONNRESET.
    const socket = net.connect(frontPort, "127.0.0.1", () => socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02])));
    socket.on("error", () => {});
    const raw = await new Promise<net.Socket>((resolve) => front.once("connection", resolve));
    raw.once("data", () => socket.resetAndDestroy());
    const hadError = await new Promise<boolean>((resolve) => raw.once("close", resolve));
    assert.equal(hadError, true, "the raw socket saw the reset as an error");
    // The front must still serve: an unhandled 'error' would have failed the run already.
    const got = await request({ servername: "mtls.test", withCert: true });
    assert.equal(got.cert, true);
  });

  it("(h) http timeouts are enforced on handed-off connections (front emits 'listening' on them)", async () => {
    const socket = tls.connect({ host: "127.0.0.1", port: frontPort, servername: "mtls.test", ca: pki.ca,
      cert: pki.clientCert, key: pki.clientKey }, () => socket.write("GET / HTTP/1.1\r\nHost: mtls.test\r\n"));
    const elapsed = await closedWithin(socket, 5_000);
    assert.ok(elapsed >= 400, `closed after ${elapsed} ms`);
  });

  it("prints the handshake latency the front adds (200 sequential handshakes each)", async () => {
    const handshake = (port: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const socket = tls.connect(
          { host: "127.0.0.1", port, servername: "mtls.test", ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
          () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            socket.destroy();
            resolve(ms);
          },
        );
        socket.on("error", reject);
      });
    for (let i = 0; i < 20; i++) {
      await handshake(frontPort);
      await handshake(directPort);
    }
    const viaFront: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < 200; i++) {
      // Interleaved so drift (GC, other load) hits both sides alike.
      viaFront.push(await handshake(frontPort));
      direct.push(await handshake(directPort));
    }
    const stats = (xs: number[]): string => {
      const sorted = [...xs].sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      return `mean ${mean.toFixed(3)} ms, p50 ${at(0.5).toFixed(3)}, p95 ${at(0.95).toFixed(3)}`;
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`TLS 1.3 handshake with client certificate, 200 sequential:`);
    console.log(`  via SNI front: ${stats(viaFront)}`);
    console.log(`  direct:        ${stats(direct)}`);
    console.log(`  added (p50):   ${(median(viaFront) - median(direct)).toFixed(3)} ms`);
  });
});

/** Captures the first TLS record a real Node client sends, via a raw TCP server. */
function captureClientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      let got = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 5 && got.length >= 5 + got.readUInt16BE(3)) {
          socket.destroy();
          server.close();
          resolve(got.subarray(0, 5 + got.readUInt16BE(3)));
        }
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      assert.ok(address !== null && typeof address === "object");
      const client = tls.connect({ host: "127.0.0.1", port: address.port, servername, rejectUnauthorized: false });
      client.on("error", () => {}); // the capture server hangs up mid-handshake
    });
    server.on("error", reject);
  });
}

/** Re-frames a handshake message into records of the given fragment sizes (the last takes the rest). */
function reframe(message: Buffer, sizes: number[]): Buffer {
  const out: Buffer[] = [];
  let p = 0;
  for (const size of [...sizes, message.length]) {
    if (p >= message.length) break;
    const fragment = message.subarray(p, Math.min(message.length, p + size));
    out.push(Buffer.from([0x16, 0x03, 0x01, fragment.length >> 8, fragment.length & 0xff]), fragment);
    p += fragment.length;
  }
  return Buffer.concat(out);
}

/** Offsets inside a captured record, found by walking the ClientHello. */
function layout(record: Buffer) {
  const body = 5 + 4;
  const sessionId = body + 34;
  const cipherSuites = sessionId + 1 + record[sessionId]!;
  const compression = cipherSuites + 2 + record.readUInt16BE(cipherSuites);
  const extensions = compression + 1 + record[compression]!;
  let p = extensions + 2;
  let sni = -1;
  while (p < record.length) {
    if (record.readUInt16BE(p) === 0) sni = p;
    p += 4 + record.readUInt16BE(p + 2);
  }
  return { sessionId, cipherSuites, compression, extensions, sni };
}


describe("(g) parseClientHello", () => {
  let hello: Buffer;
  let noSni: Buffer;
  before(async () => {
    hello = await captureClientHello("Capture.Example.");
    noSni = await captureClientHello("");
  });

  it("reads the SNI of a real ClientHello, lower-cased and without the trailing dot", () => {
    assert.deepEqual(parseClientHello(hello), { kind: "hello", serverName: "capture.example" });
    assert.deepEqual(parseClientHello(noSni), { kind: "hello", serverName: undefined });
  });

  it("says incomplete for every proper prefix (a hello split across TCP reads)", () => {
    for (let n = 0; n < hello.length; n++) {
      assert.deepEqual(parseClientHello(hello.subarray(0, n)), { kind: "incomplete" }, `prefix ${n}`);
    }
    // Extra bytes after the record (a pipelining client) do not matter.
    assert.deepEqual(parseClientHello(Buffer.concat([hello, Buffer.from("trailing")])),
      { kind: "hello", serverName: "capture.example" });
  });

  it("reassembles a ClientHello spread over several records", () => {
    const message = hello.subarray(5);
    for (const sizes of [[1], [3], [4], [5, 7], [1, 1, 1, 1, 1], [100], [message.length - 1]]) {
      const split = reframe(message, sizes);
      assert.deepEqual(parseClientHello(split), { kind: "hello", serverName: "capture.example" }, `sizes ${sizes}`);
      for (let n = 0; n < split.length; n++) {
        assert.equal(parseClientHello(split.subarray(0, n)).kind, "incomplete", `sizes ${sizes}, prefix ${n}`);
      }
    }
    // A 10 KiB padding extension (like large post-quantum key shares) forces two full records.
    const padded = withPadding(message, 10_000);
    const twoRecords = reframe(padded, [8_000]);
    assert.deepEqual(parseClientHello(twoRecords), { kind: "hello", serverName: "capture.example" });
  });

  it("refuses instead of waiting: absurd lengths, too many records, wrong record types", () => {
    const malformed = { kind: "hello", serverName: undefined };
    // Record longer than 2^14.
    assert.deepEqual(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff])), malformed);
    // Handshake message claiming more than the cap, decided from its first 9 bytes.
    const big = MAX_HANDSHAKE_BODY + 1;
    assert.deepEqual(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, big >> 16, (big >> 8) & 0xff, big & 0xff])), malformed);
    // Zero-length record.
    assert.deepEqual(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])), malformed);
    // Not a ClientHello (ServerHello type).
    const serverHello = Buffer.from(hello);
    serverHello[5] = 0x02;
    assert.deepEqual(parseClientHello(serverHello), malformed);
    // Second record of another content type while the message is unfinished.
    const split = reframe(hello.subarray(5), [10]);
    const wrongType = Buffer.from(split);
    wrongType[5 + 10] = 0x17;
    assert.deepEqual(parseClientHello(wrongType), malformed);
    // Not TLS major version 3.
    assert.deepEqual(parseClientHello(Buffer.from([0x16, 0x02])), malformed);
    // Worst case the parser waits on: a full first record, then a full-size second one.
    const first = Buffer.alloc(5 + 16_384);
    first.set([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x40, 0x00]); // body 16384: 4 bytes still due
    const secondHeader = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]);
    const waiting = Buffer.concat([first, secondHeader, Buffer.alloc(16_383)]);
    assert.deepEqual(parseClientHello(waiting), { kind: "incomplete" });
    assert.ok(waiting.length < MAX_CLIENT_HELLO_WIRE_BYTES);
    // More than 16 records of one byte each.
    assert.deepEqual(parseClientHello(reframe(hello.subarray(5), new Array<number>(20).fill(1))), malformed);
  });

  it("not-tls for garbage and plain text; no SNI for a bad host name", () => {
    assert.deepEqual(parseClientHello(Buffer.from("GET / HTTP/1.1\r\n")), { kind: "not-tls" });
    assert.deepEqual(parseClientHello(Buffer.from([0x80, 0x2e, 0x01])), { kind: "not-tls" }); // SSLv2-style hello
    assert.deepEqual(parseClientHello(Buffer.from([0x00])), { kind: "not-tls" });
    const { sni } = layout(hello);
    const nul = Buffer.from(hello);
    nul[sni + 4 + 2 + 3] = 0x00; // first byte of the host name
    assert.deepEqual(parseClientHello(nul), { kind: "hello", serverName: undefined });
  });

  it("truncated or inflated inner lengths give no SNI, never an exception", () => {
    const at = layout(hello);
    const cases: Array<[string, (b: Buffer) => void]> = [
      ["session_id", (b) => (b[at.sessionId] = 0xff)],
      ["cipher_suites", (b) => b.writeUInt16BE(0xffff, at.cipherSuites)],
      ["compression", (b) => (b[at.compression] = 0xff)],
      ["extensions", (b) => b.writeUInt16BE(0xffff, at.extensions)],
      ["sni extension", (b) => b.writeUInt16BE(0xffff, at.sni + 2)],
      ["server_name_list", (b) => b.writeUInt16BE(0xffff, at.sni + 4)],
      ["host_name", (b) => b.writeUInt16BE(0xffff, at.sni + 4 + 2 + 1)],
      ["handshake shorter than the record", (b) => b.writeUIntBE(40, 6, 3)],
    ];
    for (const [name, mutate] of cases) {
      const b = Buffer.from(hello);
      mutate(b);
      assert.deepEqual(parseClientHello(b), { kind: "hello", serverName: undefined }, name);
    }
    // A handshake length longer than the record: waits for the next record.
    const longer = Buffer.from(hello);
    longer.writeUIntBE(longer.length, 6, 3);
    assert.deepEqual(parseClientHello(longer), { kind: "incomplete" });
  });

  it("fuzz: 2,000 random and 2,000 mutated buffers never throw; incomplete stays bounded", () => {
    const seed = Date.now() >>> 0;
    const random = mulberry32(seed);
    const byte = (): number => Math.floor(random() * 256);
    const check = (b: Buffer, what: string): void => {
      let result;
      try {
        result = parseClientHello(b);
      } catch (err) {
        assert.fail(`seed ${seed}, ${what} ${b.toString("hex")}: threw ${String(err)}`);
      }
      assert.ok(["incomplete", "not-tls", "hello"].includes(result.kind));
      if (result.kind === "incomplete") assert.ok(b.length < MAX_CLIENT_HELLO_WIRE_BYTES);
    };
    for (let i = 0; i < 2_000; i++) {
      const b = Buffer.alloc(Math.floor(random() * 700));
      for (let j = 0; j < b.length; j++) b[j] = byte();
      // Half look like a handshake record, to get past the first checks.
      if (i % 2 === 0 && b.length >= 6) {
        b[0] = 0x16;
        b[1] = 0x03;
        b.writeUInt16BE(Math.min(b.length - 5, Math.floor(random() * 800)), 3);
        b[5] = 0x01;
      }
      check(b, "random");
    }
    for (let i = 0; i < 2_000; i++) {
      const b = Buffer.from(hello);
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) b[5 + Math.floor(random() * (b.length - 5))] = byte();
      check(b.subarray(0, Math.floor(random() * (b.length + 1))), "mutated prefix");
      check(b, "mutated");
    }
  });

  function withPadding(message: Buffer, size: number): Buffer {
    // Append a padding extension (type 21) and fix the three enclosing lengths.
    const at = layout(Buffer.concat([Buffer.alloc(5), message]));
    const extension = Buffer.alloc(4 + size);
    extension.writeUInt16BE(21, 0);
    extension.writeUInt16BE(size, 2);
    const out = Buffer.concat([message, extension]);
    out.writeUIntBE(out.length - 4, 1, 3);
    const extensionsAt = at.extensions - 5;
    out.writeUInt16BE(out.readUInt16BE(extensionsAt) + extension.length, extensionsAt);
    return out;
  }
});
