import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redactQuery, REDACTED, serializeLogEntry, type RequestFacts } from "./serialize.ts";

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  requestId: "req-1",
  startedAt: 1_700_000_000_000,
  arrivedAt: 100,
  forwardedAt: 103,
  upstreamHeadersAt: 110,
  finishedAt: 112,
  scheme: "https",
  host: "api.example",
  port: 8443,
  method: "GET",
  target: "/orders?x=1&access_token=eyJhbGciOi.secret.part&y=2&y=3&flag",
  headers: { host: "api.example:8443", authorization: "Bearer eyJhbGciOi.secret.part", cookie: "session=abc", accept: "*/*" },
  rawHeaders: ["Host", "api.example:8443", "Authorization", "Bearer eyJhbGciOi.secret.part", "Cookie", "session=abc", "Accept", "*/*"],
  httpVersion: "1.1",
  clientIp: "127.0.0.1",
  tls: { version: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", client_verify: "NONE" },
  route: undefined,
  service: undefined,
  consumer: undefined,
  upstreamUri: "/orders?x=1&access_token=eyJhbGciOi.secret.part",
  upstreamTarget: { ip: "upstream.internal", port: 8080 },
  status: 200,
  responseHeaders: { "content-type": "application/json", "set-cookie": ["session=new; Path=/"] },
  bytesSent: 321,
  source: "upstream",
  ...over,
});

describe("the log serializer (Kong's kong.log.serialize)", () => {
  it("Kong's fields and latencies", () => {
    const entry = serializeLogEntry(facts());
    assert.equal(entry.request.url, "https://api.example:8443/orders?x=1&access_token=REDACTED&y=2&y=3&flag");
    assert.deepEqual(entry.request.querystring, { x: "1", access_token: REDACTED, y: ["2", "3"], flag: true });
    assert.deepEqual(entry.latencies, { kong: 3, proxy: 7, request: 12, receive: 2 });
    assert.equal(entry.upstream_status, "200");
    assert.equal(entry.response.size, 321);
    assert.equal(entry.started_at, 1_700_000_000_000);
    assert.equal(entry.workspace_name, "default");
    assert.deepEqual(entry.tries, [{ balancer_start: 1_700_000_000_003, ip: "upstream.internal", port: 8080, balancer_latency: 0 }]);
  });

  it("a response the gateway made itself: source kong, proxy -1, upstream_status empty (Kong's `or \"\"`), no tries", () => {
    const entry = serializeLogEntry(facts({ forwardedAt: undefined, upstreamHeadersAt: undefined, source: "kong", status: 401 }));
    assert.equal(entry.source, "kong");
    assert.equal(entry.latencies.proxy, -1);
    assert.equal(entry.latencies.kong, 12);
    assert.equal(entry.upstream_status, "");
    assert.equal(entry.tries, undefined);
  });

  it("request headers as the client sent them (not as rewritten for the upstream); a repeated one is a list", () => {
    const entry = serializeLogEntry(facts({
      headers: { host: "upstream.internal:8080", "x-forwarded-for": "127.0.0.1" },
      rawHeaders: ["Host", "api.example:8443", "X-Tag", "a", "x-tag", "b", "Cookie", "a=1", "Cookie", "b=2"],
    }));
    assert.deepEqual(entry.request.headers, { host: "api.example:8443", "x-tag": ["a", "b"], cookie: REDACTED });
  });

  it("Kong's url always names the port; an upstream that failed is a failed try", () => {
    assert.equal(serializeLogEntry(facts({ port: 443, host: "API.Example" })).request.url.split("?")[0], "https://api.example:443/orders");
    const failed = serializeLogEntry(facts({ upstreamHeadersAt: undefined, source: "kong", status: 502 }));
    assert.deepEqual(failed.tries?.[0], { balancer_start: 1_700_000_000_003, ip: "upstream.internal", port: 8080, balancer_latency: 0, state: "failed", code: 502 });
    assert.equal(failed.upstream_status, "");
  });

  it("no credential survives: Authorization, Cookie, Set-Cookie and token arguments are REDACTED everywhere", () => {
    const text = JSON.stringify(serializeLogEntry(facts()));
    assert.ok(!text.includes("secret.part"), text);
    assert.ok(!text.includes("session=abc"));
    assert.ok(!text.includes("session=new"));
    const entry = serializeLogEntry(facts());
    assert.equal(entry.request.headers["authorization"], REDACTED);
    assert.equal(entry.response.headers["set-cookie"], REDACTED);
    assert.equal(entry.upstream_uri, "/orders?x=1&access_token=REDACTED");
  });

  it("redactQuery keeps everything but credential values, even percent-encoded names", () => {
    assert.equal(redactQuery("a=1&Access%5Ftoken=t&client_secret=s&b"), "a=1&Access%5Ftoken=REDACTED&client_secret=REDACTED&b");
    assert.equal(redactQuery(""), "");
  });
});
