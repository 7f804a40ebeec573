// The proxy as Kong users meet it (reference section 2): the real `tether start` process, driven
// through its Admin API, proxying to an echo upstream that reports exactly what reached it.
// One Tether and one echo serve every test but the restart test.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { startEcho, type Echo, type EchoRequest } from "../fixtures/upstream/index.ts";
import { curl, tlsRequest, type CliResponse } from "../helpers/clients.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";
import { closedPort } from "../helpers/servers.ts";

const NO_ROUTE_JSON = /^\{\n {2}"message":"no Route matched with those values",\n {2}"request_id":"[0-9a-f]{32}"\n\}$/;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One plain-HTTP request on its own connection (Node's client adds no Accept header). */
function request(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** What the echo upstream saw, from a proxied 200 response body. */
function echoed(body: string | unknown): EchoRequest {
  const parsed = (typeof body === "string" ? JSON.parse(body) : body) as EchoRequest;
  assert.equal(typeof parsed?.url, "string", `not an echo body: ${JSON.stringify(body)}`);
  return parsed;
}

/** Writes raw bytes and collects the answer until the server closes or `timeoutMs` passes. */
function exchange(port: number, data: string | Buffer, opts: { tls?: boolean; timeoutMs?: number } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket: net.Socket = opts.tls
      ? tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "localhost" })
      : net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 2_000);
    socket.on(opts.tls ? "secureConnect" : "connect", () => socket.write(data));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
  });
}


async function created(t: Tether, path: string, body: unknown): Promise<{ id: string }> {
  const res = await adminJson(t, "POST", path, body);
  assert.equal(res.status, 201, `POST ${path}: ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

describe("proxy (real process, echo upstream)", () => {
  let echo: Echo;
  let t: Tether;
  let plain: (path: string) => string;

  before(async () => {
    echo = await startEcho();
    t = await startTether();
    plain = (path) => `http://127.0.0.1:${t.httpPort}${path}`;
    const deadPort = await closedPort();
    await created(t, "/services", { name: "echo", url: echo.url });
    await created(t, "/services", { name: "echo-path", url: `${echo.url}/svc` });
    await created(t, "/services", { name: "dead", url: `http://127.0.0.1:${deadPort}` });
    await created(t, "/services", { name: "slow", url: echo.url, read_timeout: 300 });
    const routes: [string, Record<string, unknown>][] = [
      ["echo", { name: "strip", paths: ["/strip"] }],
      ["echo", { name: "nostrip", paths: ["/nostrip"], strip_path: false }],
      ["echo", { name: "preserve", paths: ["/preserve"], preserve_host: true }],
      ["echo", { name: "methods", paths: ["/methods"], methods: ["POST", "PUT"] }],
      ["echo", { name: "hosts", hosts: ["hosts.test"] }],
      ["echo", { name: "wild", hosts: ["*.wild.test"] }],
      ["echo", { name: "regex", paths: ["~/regex/(?<id>\\d+)$"] }],
      ["echo", { name: "headers", paths: ["/hdr"], headers: { "x-env": ["~*^prod-\\d+$"] } }],
      ["echo", { name: "secure", paths: ["/secure"], protocols: ["https"] }],
      ["echo", { name: "redirect", paths: ["/redirect"], protocols: ["https"], https_redirect_status_code: 301 }],
      ["echo", { name: "sni", paths: ["/sni"], snis: ["sni.test"] }],
      ["echo-path", { name: "prefixed", paths: ["/prefixed"] }],
      ["echo-path", { name: "keep", paths: ["/keep"], strip_path: false }],
      ["dead", { name: "dead", paths: ["/dead"] }],
      ["slow", { name: "slow", paths: ["/slow"] }],
    ];
    for (const [service, body] of routes) await created(t, `/services/${service}/routes`, body);
    await waitFor(async () => (await request(t.httpPort, "/slow/x")).status === 200);
  });

  after(async () => {
    await t?.stop();
    await echo?.stop();
  });

  describe("forwarding", () => {
    it("forwards over the plain listener (curl), stripping the route path by default", async () => {
      const res = await curl(plain("/strip/x/y"));
      assert.equal(res.status, 200);
      const seen = echoed(res.body);
      assert.equal(seen.method, "GET");
      assert.equal(seen.url, "/x/y");
      assert.equal(echoed((await curl(plain("/strip"))).body).url, "/");
    });

    it("forwards over the TLS listener (curl -k and a Node https client)", async () => {
      const viaCurl = await curl("-k", `https://localhost:${t.httpsPort}/strip/tls`);
      assert.equal(viaCurl.status, 200);
      const seen = echoed(viaCurl.body);
      assert.equal(seen.url, "/tls");
      assert.equal(seen.headers["x-forwarded-proto"], "https");
      assert.equal(seen.headers["x-forwarded-port"], String(t.httpsPort));
      const viaNode = await tlsRequest({ port: t.httpsPort, path: "/strip/node?x=1", method: "POST", body: "payload" });
      assert.equal(viaNode.status, 200);
      assert.equal(echoed(viaNode.body).url, "/node?x=1");
      assert.equal(echoed(viaNode.body).body, "payload");
    });

    it("strip_path false forwards the whole path", async () => {
      assert.equal(echoed((await curl(plain("/nostrip/a/b"))).body).url, "/nostrip/a/b");
    });

    it("prefixes the service path (v0 upstream path)", async () => {
      const cases: [string, string][] = [
        ["/prefixed/x?q=1", "/svc/x?q=1"],
        ["/prefixed", "/svc"],
        ["/prefixed/", "/svc/"],
        ["/prefixedabc", "/svc/abc"],
        ["/keep/x", "/svc/keep/x"],
      ];
      for (const [path, upstream] of cases) {
        const res = await request(t.httpPort, path);
        assert.equal(res.status, 200, path);
        assert.equal(echoed(res.text).url, upstream, path);
      }
    });

    it("passes the query string through untouched", async () => {
      const query = "?b=2&a=1&a=%2f&x=%ZZ&sp=a+b&e=&&q=it's&u=%e2%82%ac&v=?/..//&w=%7E~{}|^`";
      assert.equal(echoed((await request(t.httpPort, `/strip/q${query}`)).text).url, `/q${query}`);
      assert.equal(echoed((await request(t.httpPort, "/strip/q?")).text).url, "/q?", "a bare trailing ?");
    });

    it("matches and forwards the normalized path", async () => {
      const res = await request(t.httpPort, "/str%69p/./a/../b//c/%7e%2f");
      assert.equal(res.status, 200);
      assert.equal(echoed(res.text).url, "/b/c/~%2F");
    });

    it("sends the path as computed (a backslash is not turned into '/')", async () => {
      assert.equal(echoed((await request(t.httpPort, "/strip/a\\b")).text).url, "/a\\b");
    });

    it("routes an absolute-form request target by its path", async () => {
      const { text } = await exchange(t.httpPort, "GET http://elsewhere.test/strip/abs?k=v HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assert.match(text, /^HTTP\/1\.1 200 /);
      assert.equal(echoed(text.slice(text.indexOf("\r\n\r\n") + 4)).url, "/abs?k=v");
    });
  });

  describe("headers", () => {
    it("preserve_host false: upstream Host is the service host:port", async () => {
      const seen = echoed((await curl(plain("/strip/h"), "-H", "Host: client.example:1234")).body);
      assert.equal(seen.headers["host"], `127.0.0.1:${echo.port}`);
    });

    it("preserve_host true: upstream Host is the client's Host header as received", async () => {
      const seen = echoed((await curl(plain("/preserve/h"), "-H", "Host: client.example:1234")).body);
      assert.equal(seen.headers["host"], "client.example:1234");
    });

    it("sets X-Forwarded-* and X-Real-IP from the connection, ignoring what the client claims", async () => {
      const res = await curl(
        plain("/strip/xf"),
        "-H", "Host: client.example:1234",
        "-H", "X-Forwarded-For: 10.1.2.3",
        "-H", "X-Forwarded-Proto: https",
        "-H", "X-Forwarded-Host: spoofed.example",
        "-H", "X-Forwarded-Port: 1",
        "-H", "X-Real-IP: 6.6.6.6",
      );
      const h = echoed(res.body).headers;
      assert.equal(h["x-forwarded-for"], "10.1.2.3, 127.0.0.1", "appended to the incoming X-Forwarded-For");
      assert.equal(h["x-forwarded-proto"], "http");
      assert.equal(h["x-forwarded-host"], "client.example");
      assert.equal(h["x-forwarded-port"], String(t.httpPort));
      assert.equal(h["x-real-ip"], "127.0.0.1");
      const fresh = echoed((await curl(plain("/strip/xf"))).body).headers;
      assert.equal(fresh["x-forwarded-for"], "127.0.0.1");
    });

    it("does not forward hop-by-hop headers, nor close the upstream connection for the client", async () => {
      await request(t.httpPort, "/strip/warm"); // a pooled upstream connection exists
      const before = echo.connections;
      const res = await curl(plain("/strip/hop"), "-H", "Connection: close, X-Foo", "-H", "X-Foo: secret", "-H", "Keep-Alive: timeout=1", "-H", "X-Bar: kept");
      const h = echoed(res.body).headers;
      assert.equal(h["connection"], "keep-alive");
      assert.equal(h["x-foo"], undefined, "a header named in Connection is removed");
      assert.equal(h["keep-alive"], undefined);
      assert.equal(h["x-bar"], "kept");
      await request(t.httpPort, "/strip/after");
      assert.equal(echo.connections, before, "the upstream connection was reused, not closed");
    });

    it("honours the client's Connection: close and keeps the upstream's connection headers to itself", async () => {
      const { text, closed } = await exchange(t.httpPort, "GET /strip/close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assert.match(text, /^HTTP\/1\.1 200 /);
      const head = text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase();
      assert.match(head, /\r\nconnection: close(\r\n|$)/);
      assert.doesNotMatch(head, /keep-alive: timeout=60/, "the echo's Keep-Alive header is hop-by-hop");
      assert.equal(closed, true, "the proxy closes the client connection");
      const old = await exchange(t.httpPort, "GET /strip/http10 HTTP/1.0\r\nHost: x\r\n\r\n");
      assert.match(old.text, /^HTTP\/1\.1 200 /);
      assert.equal(old.closed, true, "an HTTP/1.0 request without keep-alive gets its connection closed");
    });
  });

  describe("errors", () => {
    function assertNoRouteJson(res: CliResponse | Reply): void {
      assert.equal(res.status, 404);
      assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
      assert.match("raw" in res ? res.raw.replace(/\r\n/g, "\n").split("\n\n").slice(1).join("\n\n") : res.text, NO_ROUTE_JSON);
    }

    it("404 no route: Kong's JSON body, with curl's Accept */* and with no Accept at all", async () => {
      assertNoRouteJson(await curl(plain("/nothing-here")));
      assertNoRouteJson(await request(t.httpPort, "/nothing-here"));
    });

    it("404 no route: text/plain and text/html by Accept", async () => {
      const text = await request(t.httpPort, "/nothing-here", { headers: { Accept: "text/plain" } });
      assert.equal(text.status, 404);
      assert.equal(text.headers["content-type"], "text/plain; charset=utf-8");
      assert.match(text.text, /^no Route matched with those values\nrequest_id: [0-9a-f]{32}\n$/);
      const html = await request(t.httpPort, "/nothing-here", { headers: { Accept: "text/html,application/xhtml+xml" } });
      assert.equal(html.status, 404);
      assert.equal(html.headers["content-type"], "text/html; charset=utf-8");
      assert.match(html.text, /<p>no Route matched with those values\.<\/p>/);
      assert.match(html.text, /request_id: [0-9a-f]{32}/);
    });

    it("502 when the service's port is closed: JSON for curl, text/plain without Accept", async () => {
      const json = await curl(plain("/dead/x"));
      assert.equal(json.status, 502);
      assert.equal(json.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(json.body.message, "An invalid response was received from the upstream server");
      assert.match(json.body.request_id, /^[0-9a-f]{32}$/);
      const text = await request(t.httpPort, "/dead/x");
      assert.equal(text.status, 502);
      assert.equal(text.headers["content-type"], "text/plain; charset=utf-8");
      assert.match(text.text, /^An invalid response was received from the upstream server\nrequest_id: [0-9a-f]{32}\n$/);
    });

    it("504 after the service's read_timeout (300 ms), long before the upstream answers", async () => {
      const started = Date.now();
      const res = await curl(plain("/slow/delay/2000"));
      const elapsed = Date.now() - started;
      assert.equal(res.status, 504);
      assert.equal(res.body.message, "The upstream server is timing out");
      assert.ok(elapsed < 1_500, `took ${elapsed} ms`);
      assert.ok(elapsed >= 250, `took ${elapsed} ms: not a timeout`);
    });

    it("400 Bad request for invalid percent-encoding in the path (as nginx answers)", async () => {
      const res = await request(t.httpPort, "/strip/%zz");
      assert.equal(res.status, 400);
      assert.match(res.text, /^Bad request\nrequest_id: [0-9a-f]{32}\n$/);
    });
  });

  describe("routing", () => {
    it("an https-only route over plain http: 426 with Connection: Upgrade", async () => {
      const res = await curl(plain("/secure/x"));
      assert.equal(res.status, 426);
      assert.equal(res.body.message, "Please use HTTPS protocol");
      assert.equal(res.headers["connection"], "Upgrade");
      assert.equal(res.headers["upgrade"], "TLS/1.2, HTTP/1.1");
      const viaTls = await tlsRequest({ port: t.httpsPort, path: "/secure/x" });
      assert.equal(viaTls.status, 200);
      assert.equal(echoed(viaTls.body).url, "/x");
    });

    it("https_redirect_status_code 301: Location https://<host without port><request uri>", async () => {
      const res = await curl(plain("/redirect/a?b=1"), "-H", "Host: secure.example:8000");
      assert.equal(res.status, 301);
      assert.equal(res.headers["location"], "https://secure.example/redirect/a?b=1");
      assert.equal(res.body, undefined);
    });

    it("methods: only the route's methods match", async () => {
      assert.equal((await curl(plain("/methods/x"))).status, 404);
      const res = await curl("-X", "PUT", "--data-binary", "hello", plain("/methods/x"));
      assert.equal(res.status, 200);
      assert.equal(echoed(res.body).method, "PUT");
      assert.equal(echoed(res.body).body, "hello");
    });

    it("hosts: routes by the Host header (exact and wildcard)", async () => {
      const exact = await curl(plain("/anything"), "-H", "Host: hosts.test");
      assert.equal(exact.status, 200);
      assert.equal(echoed(exact.body).url, "/anything");
      assert.equal((await curl(plain("/anything"), "-H", "Host: a.b.wild.test:9999")).status, 200);
      assert.equal((await curl(plain("/anything"), "-H", "Host: other.test")).status, 404);
      assert.equal((await curl(plain("/anything"), "-H", "Host: wild.test")).status, 404);
    });

    it("a regex route: anchored at the start, strips the whole match", async () => {
      const res = await curl(plain("/regex/42"));
      assert.equal(res.status, 200);
      assert.equal(echoed(res.body).url, "/");
      assert.equal((await curl(plain("/regex/42/more"))).status, 404, "the pattern ends with $");
      assert.equal((await curl(plain("/x/regex/42"))).status, 404, "anchored at the start");
    });

    it("headers: a ~* regex value, case-insensitive", async () => {
      assert.equal((await curl(plain("/hdr"), "-H", "X-Env: PROD-3")).status, 200);
      assert.equal((await curl(plain("/hdr"), "-H", "X-Env: dev")).status, 404);
    });

    it("snis: checked over https only", async () => {
      assert.equal((await tlsRequest({ port: t.httpsPort, path: "/sni", servername: "sni.test" })).status, 200);
      assert.equal((await tlsRequest({ port: t.httpsPort, path: "/sni", servername: "other.test" })).status, 404);
      assert.equal((await request(t.httpPort, "/sni")).status, 200);
    });
  });

  describe("configuration changes and connections", () => {
    it("a new route is enforced within a second of its 201, and a deletion too", async () => {
      assert.equal((await request(t.httpPort, "/fresh")).status, 404);
      const route = await created(t, "/services/echo/routes", { name: "fresh", paths: ["/fresh"] });
      const added = await waitFor(async () => (await request(t.httpPort, "/fresh")).status === 200, 3_000, 25);
      assert.ok(added < 1_000, `routed after ${added} ms`);
      assert.equal((await adminJson(t, "DELETE", `/routes/${route.id}`)).status, 204);
      const removed = await waitFor(async () => (await request(t.httpPort, "/fresh")).status === 404, 3_000, 25);
      assert.ok(removed < 1_000, `still routed ${removed} ms after the delete`);
    });

    it("a route whose header regex does not compile neither blocks later changes nor routes", async () => {
      const bad = await adminJson(t, "POST", "/services/echo/routes", { name: "bad-regex", paths: ["/bad-regex"], headers: { "x-a": ["~*("] } });
      if (bad.status !== 201) assert.equal(bad.status, 400, "refused by the Admin API, or stored and harmless");
      await created(t, "/services/echo/routes", { name: "after-bad", paths: ["/after-bad"] });
      const elapsed = await waitFor(async () => (await request(t.httpPort, "/after-bad")).status === 200, 3_000, 25);
      assert.ok(elapsed < 1_000, `routed after ${elapsed} ms`);
      assert.equal((await request(t.httpPort, "/bad-regex", { headers: { "x-a": "(" } })).status, 404);
    });

    it("requests in flight complete while the configuration changes", async () => {
      const inFlight = Array.from({ length: 20 }, () => request(t.httpPort, "/strip/delay/500"));
      for (let i = 0; i < 10; i++) await created(t, "/services/echo/routes", { name: `inflight-${i}`, paths: [`/inflight-${i}`] });
      const replies = await Promise.all(inFlight);
      assert.deepEqual(replies.map((r) => r.status), Array<number>(20).fill(200));
      for (const r of replies) assert.equal(echoed(r.text).url, "/delay/500");
      await waitFor(async () => (await request(t.httpPort, "/inflight-9")).status === 200);
    });

    it("reuses upstream connections (keep-alive)", async () => {
      const before = echo.connections;
      const seen = echo.requests.length;
      for (let i = 0; i < 50; i++) assert.equal((await request(t.httpPort, `/strip/ka/${i}`)).status, 200);
      assert.equal(echo.requests.length - seen, 50);
      const opened = echo.connections - before;
      assert.ok(opened <= 5, `${opened} upstream connections for 50 requests`);
    });
  });

  describe("robustness", () => {
    it("survives 200 malformed requests and still answers", async () => {
      const big = "a".repeat(70_000);
      const plainJunk: (string | Buffer)[] = [
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /strip/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /strip/% HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /strip/%%32%30 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://elsewhere.test/strip/x HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET https:// HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET //// HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /strip/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        `GET /strip/x HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`,
        `GET /strip/${big} HTTP/1.1\r\nHost: x\r\n\r\n`,
        "GET /strip/x HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        "GET /strip/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /strip/x HTTP/1.1\r\n\r\n",
        "GET /strip/x HTTP/1.1\r\nHost: [::1\r\n\r\n",
        "GET /strip/x HTTP/1.1\r\nHost: x\r\nConnection: host, x-forwarded-for, accept\r\n\r\n",
        "POST /strip/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "POST /strip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /strip/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /strip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
        "GET /strip/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "CONNECT elsewhere.test:443 HTTP/1.1\r\nHost: elsewhere.test:443\r\n\r\n",
        Buffer.from("GET /strip/\x00\xff HTTP/1.1\r\nHost: x\r\n\r\n", "latin1"),
        Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]),
      ];
      const tlsJunk: (string | Buffer)[] = ["GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "GARBAGE\r\n\r\n", `GET /strip/x HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`];
      const rawTlsJunk: Buffer[] = [Buffer.from("GET / HTTP/1.1\r\n\r\n"), Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01]), Buffer.alloc(64, 0x16)];
      const jobs: (() => Promise<unknown>)[] = [];
      for (let i = 0; jobs.length < 200; i++) {
        jobs.push(() => exchange(t.httpPort, plainJunk[i % plainJunk.length]!, { timeoutMs: 1_000 }));
        if (i % 4 === 0) jobs.push(() => exchange(t.httpsPort, tlsJunk[i % tlsJunk.length]!, { tls: true, timeoutMs: 1_000 }));
        if (i % 4 === 2) jobs.push(() => exchange(t.httpsPort, rawTlsJunk[i % rawTlsJunk.length]!, { timeoutMs: 1_000 }));
      }
      for (let i = 0; i < jobs.length; i += 25) await Promise.all(jobs.slice(i, i + 25).map((job) => job()));
      assert.equal(t.process.exitCode, null, `tether exited: ${t.stderr.join("\n")}`);
      const alive = await curl(plain("/strip/alive"));
      assert.equal(alive.status, 200);
      assert.equal(echoed(alive.body).url, "/alive");
      assert.equal((await tlsRequest({ port: t.httpsPort, path: "/strip/alive" })).status, 200);
    });
  });
});

describe("proxy: configuration kept across a restart", () => {
  it("a route created before the restart still proxies, and GET /services lists its service", async () => {
    const echo = await startEcho();
    const prefix = mkdtempSync(join(tmpdir(), "tether-restart-"));
    try {
      const first = await startTether({ prefix, keepPrefix: true });
      try {
        await created(first, "/services", { name: "kept", url: `${echo.url}/kept` });
        await created(first, "/services/kept/routes", { name: "kept", paths: ["/kept"] });
        await waitFor(async () => (await request(first.httpPort, "/kept/x")).status === 200);
      } finally {
        assert.equal(await first.stop(), 0);
      }
      const second = await startTether({ prefix, keepPrefix: true });
      try {
        const res = await request(second.httpPort, "/kept/x");
        assert.equal(res.status, 200);
        assert.equal(echoed(res.text).url, "/kept/x");
        const services = await adminJson(second, "GET", "/services");
        assert.equal(services.status, 200);
        assert.deepEqual((services.body as { data: { name: string }[] }).data.map((s) => s.name), ["kept"]);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(prefix, { recursive: true, force: true });
      await echo.stop();
    }
  });
});
