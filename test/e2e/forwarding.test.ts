// Forwarding as Kong users rely on it (reference 2.5-2.7, issue 5): X-Forwarded-* with
// trusted_ips, Via / request id / latency headers, hop-by-hop headers, connect/read/write
// timeouts, retries, name resolution failures, 512 MiB each way in constant memory, WebSocket
// tunnels. The real `tether start` process, once per forwarding engine (both must behave alike).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { pipeline } from "node:stream/promises";
import { createPki } from "../fixtures/pki/index.ts";
import { startStalledPort, type StalledPort } from "../fixtures/upstream/stalled.ts";
import { patternStream, startStreamUpstream, type StreamUpstream } from "../fixtures/upstream/stream.ts";
import { startEcho, type Echo, type EchoRequest } from "../fixtures/upstream/index.ts";
import { startWebSocketEcho, type WebSocketEcho } from "../fixtures/upstream/websocket.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";
import { webSocketExchange } from "../helpers/websocket.ts";
import { closedPort, serveHttp, type AdHocServer } from "../helpers/servers.ts";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  elapsed: number;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Source address: 127.0.0.2 is another peer than 127.0.0.1 on Linux loopback. */
  from?: string;
  agent?: http.Agent;
}

function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers, agent: opts.agent ?? false, ...(opts.from ? { localAddress: opts.from } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8"), elapsed: Date.now() - started }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

function echoed(reply: Reply): EchoRequest {
  assert.equal(reply.status, 200, reply.text);
  return JSON.parse(reply.text) as EchoRequest;
}

/** Raw bytes out, everything back until the server closes or `timeoutMs` passes. */
function exchange(port: number, data: string, useTls = false, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const socket: net.Socket = useTls ? tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "localhost" }) : net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on(useTls ? "secureConnect" : "connect", () => socket.write(data));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", finish);
    socket.on("error", finish);
  });
}


interface Flaky {
  url: string;
  connections: number;
  requests: string[];
  stop(): Promise<void>;
}

/**
 * An upstream that resets its first `resets` connections as soon as the request's first bytes
 * arrive (so the request was sent), then serves HTTP: `/status/<code>` answers that code.
 */
async function startFlaky(resets: number): Promise<Flaky> {
  const state = { connections: 0, requests: [] as string[] };
  const app = http.createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      const code = Number(/\/status\/(\d{3})/.exec(req.url ?? "")?.[1] ?? 200);
      res.writeHead(code, { "content-type": "text/plain" }).end(`answer ${code} on connection ${state.connections}\n`);
    });
  });
  const server = net.createServer((socket) => {
    state.connections++;
    if (state.connections <= resets) socket.once("data", () => socket.resetAndDestroy());
    else app.emit("connection", socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    async stop() {
      app.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An upstream that takes the request head and then never reads the body nor answers. */
function startNonReader(): Promise<AdHocServer> {
  return serveHttp(() => undefined);
}

/** An upstream that answers with the headers the test asks the proxy to deal with. */
async function startScripted(): Promise<AdHocServer> {
  const scripted = await serveHttp((req, res) => {
    if (req.url === "/hop") {
      res.setHeader("Connection", "keep-alive, X-Hop");
      res.setHeader("X-Hop", "connection-scoped");
      res.setHeader("Keep-Alive", "timeout=60");
      res.setHeader("Proxy-Authenticate", "Basic realm=x");
      res.setHeader("Trailer", "X-Sum");
      res.setHeader("Server", "scripted/1");
      res.setHeader("Via", "1.0 upstream-cache");
      res.setHeader("X-Kept", "yes");
      res.addTrailers({ "X-Sum": "1" });
      res.end("hop\n");
      return;
    }
    res.end("plain\n");
  });
  scripted.server.keepAliveTimeout = 60_000;
  return scripted;
}

async function created(t: Tether, path: string, body: unknown): Promise<{ id: string }> {
  const res = await adminJson(t, "POST", path, body);
  assert.equal(res.status, 201, `POST ${path}: ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

const MS = /^\d+$/;

for (const engine of ["http-proxy", "undici"] as const) {
  describe(`forwarding, ${engine} engine (real process)`, () => {
    let t: Tether;
    let echo: Echo;
    let ws: WebSocketEcho;
    let stalled: StalledPort;
    let flakyGet: Flaky;
    let flakyPost: Flaky;
    let flakyStatus: Flaky;
    let nonReader: { url: string; stop(): Promise<void> };
    let scripted: { url: string; stop(): Promise<void> };

    before(async () => {
      [echo, ws, stalled, flakyGet, flakyPost, flakyStatus, nonReader, scripted] = await Promise.all([
        startEcho(),
        startWebSocketEcho(),
        startStalledPort(),
        startFlaky(2),
        startFlaky(1),
        startFlaky(0),
        startNonReader(),
        startScripted(),
      ]);
      // 127.0.0.1 is a trusted load balancer; 127.0.0.2 is a client talking to Tether directly.
      t = await startTether({ env: { TETHER_FORWARDER: engine, TETHER_TRUSTED_IPS: "127.0.0.1" } });
      const pki = createPki();
      const ca = await created(t, "/ca_certificates", { cert: pki.ca.cert });
      const services: [string, Record<string, unknown>][] = [
        ["echo", { url: echo.url }],
        ["ws", { url: ws.url }],
        ["ws-idle", { url: ws.url, read_timeout: 300 }],
        ["scripted", { url: scripted.url }],
        ["nxdomain", { url: "http://no-such-host.invalid" }],
        ["dead", { url: `http://127.0.0.1:${await closedPort()}`, retries: 2 }],
        ["stalled", { url: `http://127.0.0.1:${stalled.port}`, connect_timeout: 300, retries: 1 }],
        ["slow", { url: echo.url, read_timeout: 300 }],
        ["nonreader", { url: nonReader.url, write_timeout: 300, read_timeout: 10_000 }],
        ["flaky-get", { url: flakyGet.url }],
        ["flaky-post", { url: flakyPost.url }],
        ["flaky-status", { url: flakyStatus.url }],
      ];
      for (const [name, body] of services) await created(t, "/services", { name, ...body });
      const routes: [string, Record<string, unknown>][] = [
        ["echo", { paths: ["/fwd"] }],
        ["echo", { paths: ["/keep"], strip_path: false }],
        ["echo", { paths: ["/secure"], protocols: ["https"] }],
        ["ws", { paths: ["/ws"] }],
        ["ws", { paths: ["/ws-auth"], name: "ws-auth" }],
        ["ws-idle", { paths: ["/ws-idle"] }],
        ["scripted", { paths: ["/scripted"] }],
        ["nxdomain", { paths: ["/nxdomain"] }],
        ["dead", { paths: ["/dead"] }],
        ["stalled", { paths: ["/stalled"] }],
        ["slow", { paths: ["/slow"] }],
        ["nonreader", { paths: ["/nonreader"] }],
        ["flaky-get", { paths: ["/flaky-get"] }],
        ["flaky-post", { paths: ["/flaky-post"] }],
        ["flaky-status", { paths: ["/flaky-status"] }],
      ];
      for (const [service, body] of routes) await created(t, `/services/${service}/routes`, body);
      await created(t, "/routes/ws-auth/plugins", { name: "mtls-auth", config: { ca_certificates: [ca.id] } });
      await waitFor(async () => (await request(t.httpPort, "/ws-auth")).status === 401, 10_000);
    });

    after(async () => {
      await t?.stop();
      await Promise.all([echo, ws, stalled, flakyGet, flakyPost, flakyStatus, nonReader, scripted].map((f) => f?.stop()));
    });

    describe("X-Forwarded-* and trusted_ips", () => {
      const CLAIMS = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "claimed.example",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Path": "/claimed/path",
        "X-Forwarded-Prefix": "/claimed",
        "X-Real-IP": "6.6.6.6",
      };

      it("a trusted peer's X-Forwarded-* reach the upstream as sent; its X-Real-IP is the client (Kong's default real_ip_header)", async () => {
        const h = echoed(await request(t.httpPort, "/fwd/a", { headers: CLAIMS })).headers;
        assert.equal(h["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
        assert.equal(h["x-forwarded-proto"], "https");
        assert.equal(h["x-forwarded-host"], "claimed.example");
        assert.equal(h["x-forwarded-port"], "443");
        assert.equal(h["x-forwarded-path"], "/claimed/path");
        assert.equal(h["x-forwarded-prefix"], "/claimed");
        assert.equal(h["x-real-ip"], "6.6.6.6");
      });

      it("an untrusted peer's are replaced by what Tether saw (X-Forwarded-For still appended)", async () => {
        const h = echoed(await request(t.httpPort, "/fwd/a/b?q=1", { headers: { ...CLAIMS, Host: "api.example:9999" }, from: "127.0.0.2" })).headers;
        assert.equal(h["x-forwarded-for"], "203.0.113.9, 127.0.0.2");
        assert.equal(h["x-forwarded-proto"], "http");
        assert.equal(h["x-forwarded-host"], "api.example");
        assert.equal(h["x-forwarded-port"], String(t.httpPort));
        assert.equal(h["x-forwarded-path"], "/fwd/a/b", "the request path, without the query");
        assert.equal(h["x-forwarded-prefix"], "/fwd", "what strip_path removed");
        assert.equal(h["x-real-ip"], "127.0.0.2");
      });

      it("X-Forwarded-Prefix is absent when strip_path removed nothing; TLS listener says https", async () => {
        const h = echoed(await request(t.httpPort, "/keep/x", { from: "127.0.0.2" })).headers;
        assert.equal(h["x-forwarded-prefix"], undefined);
        assert.equal(h["x-forwarded-path"], "/keep/x");
        const viaTls = await exchange(t.httpsPort, "GET /fwd/t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true);
        const body = JSON.parse(viaTls.slice(viaTls.indexOf("\r\n\r\n") + 4)) as EchoRequest;
        assert.equal(body.headers["x-forwarded-proto"], "https");
        assert.equal(body.headers["x-forwarded-port"], String(t.httpsPort));
      });

      it("an https-only route takes a plain request whose trusted peer says X-Forwarded-Proto: https", async () => {
        const trusted = await request(t.httpPort, "/secure/x", { headers: { "X-Forwarded-Proto": "https" } });
        assert.equal(trusted.status, 200);
        assert.equal(echoed(trusted).headers["x-forwarded-proto"], "https");
        const untrusted = await request(t.httpPort, "/secure/x", { headers: { "X-Forwarded-Proto": "https" }, from: "127.0.0.2" });
        assert.equal(untrusted.status, 426);
        assert.equal((await request(t.httpPort, "/secure/x")).status, 426, "a trusted peer without the header");
      });
    });

    describe("headers Tether adds", () => {
      it("proxied: Via both ways, the same request id both ways, latencies, Server when the upstream sent none", async () => {
        const res = await request(t.httpPort, "/fwd/v", { headers: { Via: "1.0 corporate-proxy" } });
        const seen = echoed(res).headers;
        assert.equal(seen["via"], "1.0 corporate-proxy, 1.1 tether/0.1.0");
        assert.match(String(seen["x-tether-request-id"]), /^[0-9a-f]{32}$/);
        assert.equal(seen["x-tether-request-id"], res.headers["x-tether-request-id"]);
        assert.equal(res.headers["via"], "1.1 tether/0.1.0");
        assert.match(String(res.headers["x-kong-upstream-latency"]), MS);
        assert.match(String(res.headers["x-kong-proxy-latency"]), MS);
        assert.equal(res.headers["x-kong-response-latency"], undefined);
        assert.equal(res.headers["server"], "tether/0.1.0");
      });

      it("gateway-made answers: X-Kong-Response-Latency, no Via, no upstream latency", async () => {
        for (const res of [await request(t.httpPort, "/no-such-route"), await request(t.httpPort, "/ws-auth")]) {
          assert.ok(res.status === 404 || res.status === 401, String(res.status));
          assert.match(String(res.headers["x-kong-response-latency"]), MS);
          assert.equal(res.headers["via"], undefined);
          assert.equal(res.headers["x-kong-upstream-latency"], undefined);
          assert.equal(res.headers["server"], "tether/0.1.0");
          assert.match(String(res.headers["x-tether-request-id"]), /^[0-9a-f]{32}$/);
        }
      });

      it("hop-by-hop request headers stay behind", async () => {
        const text = await exchange(
          t.httpPort,
          "POST /fwd/hop HTTP/1.1\r\nHost: x\r\nConnection: close, X-Private\r\nX-Private: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n" +
            "Trailer: X-Sum\r\nProxy-Authorization: Basic eA==\r\nProxy: http://evil.example\r\nExpect: 100-continue\r\nX-Kept: yes\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\nX-Sum: 1\r\n\r\n",
        );
        assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
        const seen = JSON.parse(text.slice(text.lastIndexOf("\r\n\r\n") + 4)) as EchoRequest;
        for (const name of ["x-private", "te", "trailer", "proxy-authorization", "proxy", "keep-alive", "expect"]) assert.equal(seen.headers[name], undefined, name);
        assert.equal(seen.headers["x-kept"], "yes");
        assert.equal(seen.body, "body");
      });

      it("hop-by-hop response headers stay behind; the upstream's Server stays and its Via is appended to", async () => {
        const res = await request(t.httpPort, "/scripted/hop");
        assert.equal(res.status, 200);
        assert.equal(res.text, "hop\n");
        for (const name of ["x-hop", "keep-alive", "proxy-authenticate", "trailer"]) assert.equal(res.headers[name], undefined, name);
        assert.equal(res.headers["server"], "scripted/1");
        assert.equal(res.headers["via"], "1.0 upstream-cache, 1.1 tether/0.1.0");
        assert.equal(res.headers["x-kept"], "yes");
      });
    });

    describe("failures, timeouts and retries", () => {
      const failures = (): Record<string, unknown>[] => t.logs.filter((l) => l.msg === "upstream failure");

      it("503 name resolution failed (Kong's own error: JSON with request_id) when the host does not resolve", async () => {
        const res = await request(t.httpPort, "/nxdomain/x");
        assert.equal(res.status, 503);
        assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
        const body = JSON.parse(res.text) as { message: string; request_id: string };
        assert.equal(body.message, "name resolution failed");
        assert.equal(body.request_id, res.headers["x-tether-request-id"]);
      });

      it("connection refused: retried `retries` times, then 502", async () => {
        const before = failures().length;
        const res = await request(t.httpPort, "/dead/x", { method: "POST", body: "nothing was sent, so even a POST is retried" });
        assert.equal(res.status, 502);
        assert.match(res.text, /^An invalid response was received from the upstream server\nrequest_id: [0-9a-f]{32}\n$/);
        await waitFor(async () => failures().length > before);
        const logged = failures().at(-1)!;
        assert.equal(logged["reason"], "connect");
        assert.equal(logged["tries"], 3, "1 + retries (2)");
      });

      it("connect_timeout: 504 after each of 1 + retries attempts timed out", async () => {
        const res = await request(t.httpPort, "/stalled/x", { headers: { Accept: "application/json" } });
        assert.equal(res.status, 504);
        assert.equal(JSON.parse(res.text).message, "The upstream server is timing out");
        assert.ok(res.elapsed >= 550 && res.elapsed < 3_000, `answered after ${res.elapsed} ms (2 x 300 ms expected)`);
      });

      it("read_timeout: 504 long before the upstream answers", async () => {
        const res = await request(t.httpPort, "/slow/delay/3000");
        assert.equal(res.status, 504);
        assert.ok(res.elapsed >= 250 && res.elapsed < 2_000, `answered after ${res.elapsed} ms`);
      });

      it("write_timeout: 504 when the upstream stops taking the request body", async () => {
        const started = Date.now();
        const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = http.request({ host: "127.0.0.1", port: t.httpPort, path: "/nonreader/upload", method: "POST", agent: false, headers: { "content-length": String(256 * 1024 * 1024) } }, (r) => {
            const chunks: Buffer[] = [];
            r.on("data", (c: Buffer) => chunks.push(c));
            r.on("end", () => {
              resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString() });
              req.destroy();
            });
          });
          req.on("error", (e) => (Date.now() - started > 10_000 ? reject(e) : undefined));
          const chunk = Buffer.alloc(64 * 1024, 7);
          let sent = 0;
          const pump = (): void => {
            while (sent < 256 * 1024 * 1024 && !req.destroyed) {
              sent += chunk.length;
              if (!req.write(chunk)) return void req.once("drain", pump);
            }
          };
          pump();
        });
        const elapsed = Date.now() - started;
        assert.equal(res.status, 504, res.text);
        assert.match(res.text, /^The upstream server is timing out\n/);
        assert.ok(elapsed < 5_000, `answered after ${elapsed} ms (read_timeout is 10 s)`);
        const logged = failures().filter((l) => l["reason"] === "write-timeout");
        assert.ok(logged.length >= 1, "logged as a write timeout");
      });

      it("an idempotent request whose connection was reset is sent again (2 resets, then 200)", async () => {
        const res = await request(t.httpPort, "/flaky-get/x");
        assert.equal(res.status, 200, res.text);
        assert.equal(flakyGet.connections, 3);
        assert.deepEqual(flakyGet.requests, ["GET /x"]);
      });

      it("a POST with a body is not sent twice: 502 after the reset", async () => {
        const res = await request(t.httpPort, "/flaky-post/x", { method: "POST", body: "charge the card", headers: { "content-type": "text/plain" } });
        assert.equal(res.status, 502);
        assert.equal(flakyPost.connections, 1);
        assert.deepEqual(flakyPost.requests, []);
      });

      it("an HTTP error status is passed through, never retried", async () => {
        const res = await request(t.httpPort, "/flaky-status/status/500");
        assert.equal(res.status, 500);
        assert.match(res.text, /^answer 500/);
        const unavailable = await request(t.httpPort, "/flaky-status/status/503");
        assert.equal(unavailable.status, 503);
        assert.deepEqual(flakyStatus.requests, ["GET /status/500", "GET /status/503"]);
      });
    });

    describe("WebSocket", () => {
      for (const useTls of [false, true]) {
        it(`passes the handshake and frames through over the ${useTls ? "TLS" : "plain"} listener`, async () => {
          const before = ws.handshakes.length;
          const res = await webSocketExchange({ port: useTls ? t.httpsPort : t.httpPort, tls: useTls, path: "/ws/chat?room=1", message: `hello over ${useTls ? "tls" : "plain"}` });
          assert.equal(res.status, 101);
          assert.ok(res.acceptOk, "Sec-WebSocket-Accept matches the key");
          assert.equal(res.echoed, `hello over ${useTls ? "tls" : "plain"}`);
          assert.equal(res.headers["x-upstream-path"], "/chat?room=1", "routed and stripped like any request");
          assert.match(res.headers["x-tether-request-id"] ?? "", /^[0-9a-f]{32}$/);
          const seen = ws.handshakes[before]!;
          assert.equal(seen.headers["upgrade"], "websocket");
          assert.equal(String(seen.headers["connection"]).toLowerCase(), "upgrade");
          assert.equal(seen.headers["x-forwarded-proto"], useTls ? "https" : "http");
          assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
          assert.equal(seen.headers["via"], "1.1 tether/0.1.0");
        });

        it(`a plugin's 401 ends the handshake as an HTTP 401 (${useTls ? "TLS" : "plain"})`, async () => {
          const before = ws.handshakes.length;
          const res = await webSocketExchange({ port: useTls ? t.httpsPort : t.httpPort, tls: useTls, path: "/ws-auth/chat", message: "x" });
          assert.equal(res.status, 401);
          assert.equal(JSON.parse(res.body).message, "No required TLS certificate was sent");
          assert.equal(ws.handshakes.length, before, "the upstream never saw it");
        });
      }

      it("an idle tunnel is closed after the service's read_timeout, as nginx does", async () => {
        const started = Date.now();
        const text = await exchange(
          t.httpPort,
          "GET /ws-idle HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
          false,
          5_000,
        );
        const elapsed = Date.now() - started;
        assert.match(text, /^HTTP\/1\.1 101 /);
        assert.match(text, /\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
        assert.ok(elapsed >= 250 && elapsed < 3_000, `closed after ${elapsed} ms`);
      });

      it("a handshake no route matches gets Kong's 404", async () => {
        const res = await webSocketExchange({ port: t.httpPort, path: "/nowhere", message: "x" });
        assert.equal(res.status, 404);
        assert.equal(JSON.parse(res.body).message, "no Route matched with those values");
      });

      it("another Upgrade (h2c) is served as the plain HTTP/1.1 request it also is", async () => {
        const text = await exchange(t.httpPort, "GET /fwd/h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        assert.match(text, /^HTTP\/1\.1 200 /);
        const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, "")) as EchoRequest;
        assert.equal(body.url, "/h2c");
        assert.equal(body.headers["upgrade"], undefined);
        assert.equal(body.headers["http2-settings"], undefined, "named by Connection: hop-by-hop");
      });
    });

    describe("streaming", () => {
      let streams: StreamUpstream;
      before(async () => {
        streams = await startStreamUpstream();
        await created(t, "/services", { name: "stream", url: streams.url });
        await created(t, "/services/stream/routes", { paths: ["/stream"] });
        await waitFor(async () => (await request(t.httpPort, "/stream/source/10")).status === 200);
      });
      after(async () => streams?.stop());

      it("512 MiB up and 512 MiB down pass through with Tether's RSS within +100 MiB", async () => {
        const SIZE = 512 * 1024 * 1024;
        const pid = t.process.pid!;
        const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
        const baseline = rss();
        let peak = baseline;
        const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
        const started = Date.now();
        try {
          const up = patternStream(SIZE);
          const uploaded = await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
            const req = http.request(
              { host: "127.0.0.1", port: t.httpPort, path: "/stream/sink", method: "POST", agent: false, headers: { "content-length": String(SIZE), "content-type": "application/octet-stream" } },
              (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as { bytes: number; sha256: string }));
              },
            );
            req.on("error", reject);
            pipeline(up.stream, req).catch(reject);
          });
          const expected = up.digest();
          assert.deepEqual(uploaded, { bytes: SIZE, sha256: expected });
          const upSeconds = (Date.now() - started) / 1000;

          const down = await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
            http
              .get({ host: "127.0.0.1", port: t.httpPort, path: `/stream/source/${SIZE}`, agent: false }, (res) => {
                const hash = createHash("sha256");
                let bytes = 0;
                res.on("data", (c: Buffer) => {
                  hash.update(c);
                  bytes += c.length;
                });
                res.on("end", () => resolve({ bytes, sha256: hash.digest("hex") }));
                res.on("error", reject);
              })
              .on("error", reject);
          });
          assert.deepEqual(down, { bytes: SIZE, sha256: expected });
          const seconds = (Date.now() - started) / 1000;
          const growth = (peak - baseline) / 2 ** 20;
          console.log(`# ${engine}: 512 MiB up in ${upSeconds.toFixed(1)} s, down in ${(seconds - upSeconds).toFixed(1)} s; Tether RSS ${(baseline / 2 ** 20).toFixed(0)} MiB -> peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${growth.toFixed(0)} MiB)`);
          assert.ok(growth < 100, `RSS grew by ${growth.toFixed(0)} MiB`);
        } finally {
          clearInterval(sampler);
        }
      });
    });
  });
}

describe("configuration reload under load (real process)", () => {
  let t: Tether;
  let echo: Echo;
  before(async () => {
    echo = await startEcho();
    t = await startTether();
    await created(t, "/services", { name: "echo", url: echo.url });
    await created(t, "/services/echo/routes", { paths: ["/load"] });
    await waitFor(async () => (await request(t.httpPort, "/load/x")).status === 200);
  });
  after(async () => {
    await t?.stop();
    await echo?.stop();
  });

  it("1,000 Admin API writes: a sequential client sees no gap over 500 ms, and every write is live at the end", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const latencies: number[] = [];
    let maxGap = 0;
    let writing = true;
    const client = (async () => {
      let last = Date.now();
      while (writing) {
        const res = await request(t.httpPort, "/load/x", { agent });
        assert.equal(res.status, 200);
        const now = Date.now();
        latencies.push(res.elapsed);
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }
    })();
    const started = Date.now();
    let next = 0;
    // Eight writers at a time: a burst, as a deploy script or decK sync makes one.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 1_000) {
          const i = next++;
          await created(t, "/services/echo/routes", { name: `burst-${i}`, paths: [`/burst-${i}`] });
        }
      }),
    );
    const wrote = Date.now() - started;
    await waitFor(async () => (await request(t.httpPort, "/burst-999/x")).status === 200, 5_000);
    writing = false;
    await client;
    agent.destroy();
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const reloads = t.logs.filter((l) => l.msg === "configuration reloaded");
    const compileMs = reloads.map((l) => Number(l["compile_ms"]) + Number(l["load_ms"]));
    console.log(
      `# 1,000 writes in ${wrote} ms; ${latencies.length} proxied requests meanwhile: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms, ` +
        `largest gap ${maxGap} ms; ${reloads.length} reloads, slowest load+compile ${Math.max(...compileMs)} ms`,
    );
    assert.ok(maxGap < 500, `a ${maxGap} ms gap between two proxied responses`);
    assert.ok(reloads.length < 1_000, "reloads coalesce: fewer than one per write");
  });
});
