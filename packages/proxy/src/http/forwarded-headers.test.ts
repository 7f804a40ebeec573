import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { describe, it } from "node:test";
import { forwardedHttps, rewriteUpstreamHeaders, type ForwardedFacts } from "./forwarded-headers.ts";
import { isWebSocketUpgrade, stripHopByHop } from "./hop-by-hop.ts";
import { decorateProxiedResponse } from "./response-headers.ts";

const facts = (over: Partial<ForwardedFacts> = {}): ForwardedFacts => ({
  clientIp: "192.0.2.10",
  peerIp: "192.0.2.10",
  trusted: false,
  scheme: "http",
  host: "api.example",
  port: 8000,
  path: "/r/x",
  strippedPrefix: "/r",
  upstreamHost: "upstream.internal:8080",
  requestId: "0123456789abcdef0123456789abcdef",
  httpVersion: "1.1",
  serverToken: "tether/0.1.0",
  webSocket: false,
  ...over,
});

const CLAIMS: IncomingHttpHeaders = {
  "x-forwarded-for": "10.0.0.1",
  "x-forwarded-proto": "https",
  "x-forwarded-host": "claimed.example",
  "x-forwarded-port": "443",
  "x-forwarded-path": "/claimed/path",
  "x-forwarded-prefix": "/claimed",
  "x-real-ip": "6.6.6.6",
};

describe("upstream request headers", () => {
  it("an untrusted peer's X-Forwarded-* are replaced; X-Forwarded-For appended; X-Real-IP is the peer", () => {
    const h: IncomingHttpHeaders = { ...CLAIMS };
    rewriteUpstreamHeaders(h, facts());
    assert.equal(h["x-forwarded-for"], "10.0.0.1, 192.0.2.10");
    assert.equal(h["x-real-ip"], "192.0.2.10");
    assert.equal(h["x-forwarded-proto"], "http");
    assert.equal(h["x-forwarded-host"], "api.example");
    assert.equal(h["x-forwarded-port"], "8000");
    assert.equal(h["x-forwarded-path"], "/r/x");
    assert.equal(h["x-forwarded-prefix"], "/r");
  });

  it("a trusted peer's X-Forwarded-* are kept (X-Real-IP still the peer: real_ip is off)", () => {
    const h: IncomingHttpHeaders = { ...CLAIMS };
    rewriteUpstreamHeaders(h, facts({ trusted: true }));
    assert.equal(h["x-forwarded-for"], "10.0.0.1, 192.0.2.10");
    assert.equal(h["x-real-ip"], "192.0.2.10");
    assert.equal(h["x-forwarded-proto"], "https");
    assert.equal(h["x-forwarded-host"], "claimed.example");
    assert.equal(h["x-forwarded-port"], "443");
    assert.equal(h["x-forwarded-path"], "/claimed/path");
    assert.equal(h["x-forwarded-prefix"], "/claimed");
  });

  it("after realip (Kong's handler.lua): X-Forwarded-For appends the peer, or is the client alone; X-Real-IP is the client", () => {
    const realip = facts({ clientIp: "203.0.113.7", peerIp: "10.0.0.2", trusted: true });
    const h: IncomingHttpHeaders = { ...CLAIMS };
    rewriteUpstreamHeaders(h, realip);
    assert.equal(h["x-forwarded-for"], "10.0.0.1, 10.0.0.2");
    assert.equal(h["x-real-ip"], "203.0.113.7");
    const bare: IncomingHttpHeaders = {};
    rewriteUpstreamHeaders(bare, realip);
    assert.equal(bare["x-forwarded-for"], "203.0.113.7");
  });

  it("a trusted peer that sent nothing gets the computed values", () => {
    const h: IncomingHttpHeaders = {};
    rewriteUpstreamHeaders(h, facts({ trusted: true }));
    assert.equal(h["x-forwarded-for"], "192.0.2.10");
    assert.equal(h["x-forwarded-proto"], "http");
    assert.equal(h["x-forwarded-path"], "/r/x");
  });

  it("X-Forwarded-Prefix only when strip_path removed something other than /", () => {
    for (const [prefix, expected] of [[undefined, undefined], ["/", undefined], ["/api", "/api"]] as const) {
      const h: IncomingHttpHeaders = { "x-forwarded-prefix": "/spoofed" };
      rewriteUpstreamHeaders(h, facts({ strippedPrefix: prefix }));
      assert.equal(h["x-forwarded-prefix"], expected, String(prefix));
    }
  });

  it("Via appended to the client's; the request id; Host; Connection: keep-alive", () => {
    const h: IncomingHttpHeaders = { via: "1.0 corp-proxy", host: "api.example:8000", "x-tether-request-id": "spoofed" };
    rewriteUpstreamHeaders(h, facts({ httpVersion: "1.0" }));
    assert.equal(h["via"], "1.0 corp-proxy, 1.0 tether/0.1.0");
    assert.equal(h["x-tether-request-id"], "0123456789abcdef0123456789abcdef");
    assert.equal(h["host"], "upstream.internal:8080");
    assert.equal(h["connection"], "keep-alive");
    const fresh: IncomingHttpHeaders = {};
    rewriteUpstreamHeaders(fresh, facts());
    assert.equal(fresh["via"], "1.1 tether/0.1.0");
  });

  it("hop-by-hop headers go, with those Connection names; message framing stays", () => {
    const h: IncomingHttpHeaders = {
      connection: "close, X-Secret, Content-Length",
      "x-secret": "1",
      "keep-alive": "timeout=5",
      te: "trailers",
      trailer: "X-Checksum",
      upgrade: "h2c",
      "proxy-authorization": "Basic eA==",
      "proxy-connection": "keep-alive",
      proxy: "http://evil.example",
      "content-length": "3",
      "transfer-encoding": "chunked",
      "x-kept": "yes",
    };
    rewriteUpstreamHeaders(h, facts());
    for (const name of ["x-secret", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection", "proxy"]) assert.equal(h[name], undefined, name);
    assert.equal(h["content-length"], "3");
    assert.equal(h["transfer-encoding"], "chunked");
    assert.equal(h["x-kept"], "yes");
    assert.equal(h["connection"], "keep-alive");
  });

  it("a WebSocket handshake keeps its Upgrade and gets Connection: upgrade", () => {
    const h: IncomingHttpHeaders = { connection: "keep-alive, Upgrade", upgrade: "websocket", "sec-websocket-key": "k", "keep-alive": "x" };
    assert.equal(isWebSocketUpgrade(h), true);
    rewriteUpstreamHeaders(h, facts({ webSocket: true }));
    assert.equal(h["connection"], "upgrade");
    assert.equal(h["upgrade"], "websocket");
    assert.equal(h["sec-websocket-key"], "k");
    assert.equal(h["keep-alive"], undefined);
    assert.equal(isWebSocketUpgrade({ upgrade: "h2c" }), false);
    assert.equal(isWebSocketUpgrade({ upgrade: "WebSocket" }), true);
  });

  it("an https-only route accepts X-Forwarded-Proto: https from a trusted peer only", () => {
    assert.equal(forwardedHttps({ "x-forwarded-proto": "https" }, true), true);
    assert.equal(forwardedHttps({ "x-forwarded-proto": "HTTPS" }, true), true);
    assert.equal(forwardedHttps({ "x-forwarded-proto": "https" }, false), false);
    assert.equal(forwardedHttps({ "x-forwarded-proto": "http" }, true), false);
    assert.equal(forwardedHttps({}, true), false);
  });
});

describe("downstream response headers", () => {
  const timing = { serverToken: "tether/0.1.0", requestId: "id", httpVersion: "1.1", proxyLatencyMs: 1.6, upstreamLatencyMs: 12.2 };

  it("Via appended, latencies in whole ms, Server only when the upstream sent none", () => {
    const h: IncomingHttpHeaders = { via: "1.1 upstream-cache", server: "nginx" };
    decorateProxiedResponse(h, timing);
    assert.equal(h["via"], "1.1 upstream-cache, 1.1 tether/0.1.0");
    assert.equal(h["x-kong-upstream-latency"], "12");
    assert.equal(h["x-kong-proxy-latency"], "2");
    assert.equal(h["x-tether-request-id"], "id");
    assert.equal(h["server"], "nginx");
    const bare: IncomingHttpHeaders = {};
    decorateProxiedResponse(bare, timing);
    assert.equal(bare["server"], "tether/0.1.0");
    assert.equal(bare["via"], "1.1 tether/0.1.0");
  });

  it("response hop-by-hop headers go; a 101 keeps Connection and Upgrade", () => {
    const h: IncomingHttpHeaders = { connection: "keep-alive", "keep-alive": "timeout=60", "proxy-authenticate": "Basic", trailer: "x", upgrade: "h2c", "content-type": "text/plain" };
    stripHopByHop(h);
    assert.deepEqual(Object.keys(h), ["content-type"]);
    const ws: IncomingHttpHeaders = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-accept": "a" };
    stripHopByHop(ws, true);
    assert.deepEqual(Object.keys(ws).sort(), ["connection", "sec-websocket-accept", "upgrade"]);
  });
});
