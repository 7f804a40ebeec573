// PROXY protocol listeners end to end (Kong's `proxy_listen … proxy_protocol` with
// `real_ip_header = proxy_protocol` and `trusted_ips`): a real `tether start`, raw sockets playing
// the load balancer, the echo upstream showing what was forwarded.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { createPki, type Pem, type TestPki } from "../fixtures/pki/index.ts";
import { startEcho, type Echo } from "../fixtures/upstream/index.ts";
import { untilApplied } from "../helpers/scenario.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

const SIGNATURE = Buffer.from("0d0a0d0a000d0a515549540a", "hex");

/** A v2 PROXY header over TCP6 naming `2001:db8::42` port 443 as the client. */
function v2Tcp6Header(): Buffer {
  const block = Buffer.concat([Buffer.from("20010db8000000000000000000000042", "hex"), Buffer.alloc(15), Buffer.from([1, 0x01, 0xbb, 0x1f, 0x40])]);
  return Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x21, 0x00, block.length]), block]);
}

const request = (extra = ""): string => `GET /pp HTTP/1.1\r\nHost: pp.test\r\n${extra}Connection: close\r\n\r\n`;

/** Everything the server sent until it closed the connection ("" when it closed without a word). */
function readToClose(socket: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

/** Plays the load balancer: connects (optionally from `localAddress`) and writes `bytes` raw. */
function raw(port: number, bytes: Buffer | string, localAddress = "127.0.0.1"): Promise<string> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress });
  const done = readToClose(socket);
  socket.on("connect", () => socket.write(bytes));
  return done;
}

/** A PROXY header on the raw TCP connection, then a TLS handshake (with `cert`) and one request. */
async function proxiedTls(port: number, header: Buffer | string, cert: Pem | undefined, sendHeader = true): Promise<string> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (sendHeader) socket.write(header);
  const secure = tls.connect({ socket, servername: "localhost", rejectUnauthorized: false, ...(cert ? { cert: cert.cert, key: cert.key } : {}) });
  const done = readToClose(secure);
  secure.on("secureConnect", () => secure.write(request()));
  return done;
}

const status = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe("PROXY protocol listeners", () => {
  let pki: TestPki;
  let echo: Echo;
  let t: Tether;

  /** The request the upstream saw during `action` (undefined when none reached it). */
  async function forwarded(action: () => Promise<string>): Promise<{ response: string; upstream: Echo["requests"][number] | undefined }> {
    const before = echo.requests.length;
    const response = await action();
    return { response, upstream: echo.requests[before] };
  }

  before(async () => {
    pki = createPki();
    echo = await startEcho();
    t = await startTether({
      env: {
        TETHER_PROXY_LISTEN: "127.0.0.1:0 proxy_protocol, 127.0.0.1:0 ssl proxy_protocol",
        TETHER_TRUSTED_IPS: "127.0.0.1",
        TETHER_REAL_IP_HEADER: "proxy_protocol",
        TETHER_PROXY_ACCESS_LOG: "stdout",
      },
    });
    assert.equal((await adminJson(t, "POST", "/services", { name: "svc", url: echo.url })).status, 201);
    assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name: "pp", paths: ["/pp"] })).status, 201);
    // The client certificate is requested in the handshake and its subject sent upstream: proof
    // that the handshake after the PROXY header is a whole one.
    for (const plugin of [{ name: "tls-handshake-modifier" }, { name: "tls-metadata-headers", config: { inject_client_cert_details: true } }])
      assert.equal((await adminJson(t, "POST", "/routes/pp/plugins", plugin)).status, 201);
    await untilApplied(t);
  });

  after(async () => {
    await t?.stop();
    await echo?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it("v1: the client the load balancer names is the client address upstream and in the access log", async () => {
    const header = "PROXY TCP4 203.0.113.7 127.0.0.1 51234 8000\r\n";
    // What the client itself claims is appended to, and not believed: 203.0.113.7 is not trusted.
    const { response, upstream } = await forwarded(() => raw(t.httpPort, header + request("X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-Proto: https\r\n")));
    assert.equal(status(response), 200, response);
    assert.equal(upstream?.headers["x-real-ip"], "203.0.113.7");
    assert.equal(upstream?.headers["x-forwarded-for"], "192.0.2.1, 203.0.113.7");
    assert.equal(upstream?.headers["x-forwarded-proto"], "http");
    await waitFor(async () => t.logs.some((l) => l["client_ip"] === "203.0.113.7"), 5_000);
  });

  it("trusted_ips decisions follow the named client: one in trusted_ips has its X-Forwarded-* believed", async () => {
    const header = "PROXY TCP4 127.0.0.1 127.0.0.1 51234 8000\r\n";
    const { response, upstream } = await forwarded(() => raw(t.httpPort, header + request("X-Forwarded-Proto: https\r\n")));
    assert.equal(status(response), 200, response);
    assert.equal(upstream?.headers["x-forwarded-proto"], "https");
  });

  it("v2: a TCP6 client is the client address upstream", async () => {
    const { response, upstream } = await forwarded(() => raw(t.httpPort, Buffer.concat([v2Tcp6Header(), Buffer.from(request())])));
    assert.equal(status(response), 200, response);
    assert.equal(upstream?.headers["x-real-ip"], "2001:db8::42");
    assert.equal(upstream?.headers["x-forwarded-for"], "2001:db8::42");
  });

  it("ssl: the PROXY header precedes a whole TLS handshake with a client certificate", async () => {
    for (const header of ["PROXY TCP4 198.51.100.9 127.0.0.1 40000 8443\r\n", v2Tcp6Header()]) {
      const { response, upstream } = await forwarded(() => proxiedTls(t.httpsPort, header, pki.clients.alice));
      assert.equal(status(response), 200, response);
      assert.equal(upstream?.headers["x-real-ip"], typeof header === "string" ? "198.51.100.9" : "2001:db8::42");
      assert.match(String(upstream?.headers["x-client-cert-subject-dn"]), /CN=alice/i);
    }
  });

  it("refuses a connection without a PROXY header, on both listeners, before any request is read", async () => {
    const plain = await forwarded(() => raw(t.httpPort, request()));
    assert.equal(plain.response, "");
    assert.equal(plain.upstream, undefined);
    const secure = await forwarded(() => proxiedTls(t.httpsPort, "", pki.clients.alice, false));
    assert.equal(secure.response, "");
    assert.equal(secure.upstream, undefined);
  });

  it("refuses garbage and malformed headers", async () => {
    for (const bytes of ["PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n", "PROXY TCP4 1.2.3.4 127.0.0.1 1 2 3\r\n", `PROXY UNKNOWN ${"x".repeat(120)}`, "\x00\x01garbage\r\n"]) {
      const { response, upstream } = await forwarded(() => raw(t.httpPort, bytes + request()));
      assert.equal(response, "", JSON.stringify(bytes));
      assert.equal(upstream, undefined);
    }
  });

  it("refuses a PROXY header from a peer outside trusted_ips (a client naming any address it likes)", async () => {
    const header = "PROXY TCP4 10.9.9.9 127.0.0.1 1234 8000\r\n";
    const { response, upstream } = await forwarded(() => raw(t.httpPort, header + request(), "127.0.0.2"));
    assert.equal(response, "");
    assert.equal(upstream, undefined);
  });
});
