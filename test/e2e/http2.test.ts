// HTTP/2 on the proxy's TLS listener (Kong's `http2` flag, on by default on 8443): ALPN offers h2
// and http/1.1 on one port, and over h2 every route, plugin, binding rule, error body and
// WWW-Authenticate is what HTTP/1.1 gets; the client certificate is the connection's, for every
// stream on it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { curl, tlsRequest } from "../helpers/clients.ts";
import { h2Connect } from "../helpers/h2-client.ts";
import { startScenario, untilApplied, untilRouted, type Scenario } from "../helpers/scenario.ts";
import { adminJson, startTether } from "../helpers/tether.ts";

describe("HTTP/2 on the TLS listener", () => {
  let s: Scenario;
  let bound: string;

  before(async () => {
    s = await startScenario();
    await s.protect("/bound", { proof_of_possession_mtls: "strict" });
    await adminJson(s.tether, "POST", "/services", { name: "open", url: s.echo.url });
    await adminJson(s.tether, "POST", "/services/open/routes", { name: "open", paths: ["/open"], hosts: ["api.example"] });
    bound = await s.token({ cert: s.pki.clients.alice });
    await untilRouted(s.tether, "/bound");
  });
  after(() => s.stop());

  it("ALPN settles on h2 for h2 clients and http/1.1 for the others, on the same port", async () => {
    const h2 = await h2Connect({ port: s.tether.httpsPort });
    assert.equal(h2.alpn, "h2");
    await h2.close();
    const h1 = await curl("-k", "--http1.1", `https://127.0.0.1:${s.tether.httpsPort}/nowhere`);
    assert.match(h1.raw, /^HTTP\/1\.1 404/);
    const viaCurl = await curl("-k", "--http2", `https://127.0.0.1:${s.tether.httpsPort}/nowhere`);
    assert.match(viaCurl.raw, /^HTTP\/2 404/);
  });

  it("routes by :authority as by Host, and the upstream gets HTTP/1.1's headers without pseudo-headers", async () => {
    const h2 = await h2Connect({ port: s.tether.httpsPort });
    try {
      const before = s.echo.requests.length;
      const res = await h2.request("/open/x?y=1", { headers: { ":authority": "api.example", "x-custom": "v" } });
      assert.equal(res.status, 200);
      const seen = s.echo.requests[before]!;
      assert.equal(seen.url, "/x?y=1");
      assert.equal(seen.headers["x-custom"], "v");
      assert.equal(seen.headers["x-forwarded-host"], "api.example");
      assert.equal(seen.headers["x-forwarded-proto"], "https");
      assert.ok(Object.keys(seen.headers).every((name) => !name.startsWith(":")), JSON.stringify(seen.headers));
      assert.match(String(res.headers["via"]), /tether/);
      // The same route refuses another authority: the router saw :authority.
      assert.equal((await h2.request("/open/x", { headers: { ":authority": "other.example" } })).status, 404);
    } finally {
      await h2.close();
    }
  });

  it("the certificate binding decides over h2 exactly as over HTTP/1.1", async () => {
    const cases = [
      { cert: s.pki.clients.alice, status: 200 },
      { cert: s.pki.clients.bob, status: 401 },
      { cert: undefined, status: 401 },
    ];
    for (const c of cases) {
      const h1 = await tlsRequest({ port: s.tether.httpsPort, path: "/bound", headers: { authorization: `Bearer ${bound}` }, ...(c.cert ? { cert: c.cert } : {}) });
      const h2 = await h2Connect({ port: s.tether.httpsPort, ...(c.cert ? { cert: c.cert } : {}) });
      try {
        const res = await h2.request("/bound", { headers: { authorization: `Bearer ${bound}` } });
        assert.equal(res.status, c.status);
        assert.equal(res.status, h1.status);
        assert.equal(res.headers["www-authenticate"], h1.headers["www-authenticate"]);
        if (c.status !== 200) assert.deepEqual(res.body, h1.body);
      } finally {
        await h2.close();
      }
    }
  });

  it("every stream on a connection carries that connection's client certificate", async () => {
    const alice = await h2Connect({ port: s.tether.httpsPort, cert: s.pki.clients.alice });
    const bob = await h2Connect({ port: s.tether.httpsPort, cert: s.pki.clients.bob });
    try {
      const headers = { authorization: `Bearer ${bound}` };
      const [a, b] = await Promise.all([
        Promise.all(Array.from({ length: 20 }, () => alice.request("/bound", { headers }))),
        Promise.all(Array.from({ length: 20 }, () => bob.request("/bound", { headers }))),
      ]);
      assert.deepEqual(new Set(a.map((r) => r.status)), new Set([200]));
      assert.deepEqual(new Set(b.map((r) => r.status)), new Set([401]));
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it("a header block too large for HTTP/1.1 is refused over h2 too, before any plugin", async () => {
    const h2 = await h2Connect({ port: s.tether.httpsPort, cert: s.pki.clients.alice });
    try {
      const res = await h2.request("/bound", { headers: { authorization: `Bearer ${"y".repeat(40_000)}` } });
      assert.equal(res.status, 400);
      assert.equal(res.text, "Request header or cookie too large\n");
      assert.equal((await h2.request("/bound", { headers: { authorization: `Bearer ${bound}` } })).status, 200);
    } finally {
      await h2.close();
    }
  });

  it("a request body goes upstream whole over h2", async () => {
    const h2 = await h2Connect({ port: s.tether.httpsPort, cert: s.pki.clients.alice });
    try {
      const before = s.echo.requests.length;
      const body = "x".repeat(200_000);
      const res = await h2.request("/bound", { method: "POST", headers: { authorization: `Bearer ${bound}`, "content-type": "text/plain" }, body });
      assert.equal(res.status, 200);
      assert.equal(s.echo.requests[before]!.body.length, body.length);
    } finally {
      await h2.close();
    }
  });
});

describe("a plain listener with the http2 flag (h2c)", () => {
  it("takes HTTP/2 with prior knowledge and HTTP/1.1 on the same port; an https-only route answers 426 without h1's connection headers", async () => {
    const tether = await startTether({ env: { TETHER_PROXY_LISTEN: "127.0.0.1:0 http2, 127.0.0.1:0 http2 ssl" } });
    try {
      await adminJson(tether, "POST", "/services", { name: "s", url: "http://127.0.0.1:9" });
      await adminJson(tether, "POST", "/services/s/routes", { name: "secure", paths: ["/secure"], protocols: ["https"] });
      await untilApplied(tether);
      const h2 = await curl("--http2-prior-knowledge", `http://127.0.0.1:${tether.httpPort}/secure`);
      assert.match(h2.raw, /^HTTP\/2 426/);
      assert.equal(h2.body.message, "Please use HTTPS protocol");
      assert.equal(h2.headers["connection"], undefined);
      const h1 = await curl("--http1.1", `http://127.0.0.1:${tether.httpPort}/secure`);
      assert.match(h1.raw, /^HTTP\/1\.1 426/);
      assert.equal(h1.headers["upgrade"], "TLS/1.2, HTTP/1.1");
    } finally {
      await tether.stop();
    }
  });
});

describe("a TLS listener without the http2 flag", () => {
  it("offers only http/1.1", async () => {
    const tether = await startTether({ env: { TETHER_PROXY_LISTEN: "127.0.0.1:0, 127.0.0.1:0 ssl" } });
    try {
      const res = await curl("-k", "--http2", `https://127.0.0.1:${tether.httpsPort}/nowhere`);
      assert.match(res.raw, /^HTTP\/1\.1 404/);
    } finally {
      await tether.stop();
    }
  });
});
