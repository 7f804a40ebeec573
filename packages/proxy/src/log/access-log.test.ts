import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Consumer, Route, Service } from "@tether/core";
import { accessLogRecord } from "./access-log.ts";
import { serializeLogEntry, type RequestFacts } from "./serialize.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
const route = { id: "r-1", name: "orders", paths: ["/orders"] } as unknown as Route;
const service = { id: "s-1", name: "orders-svc", host: "upstream.internal", port: 8080 } as unknown as Service;
const consumer = { id: "c-1", username: "alice", custom_id: null } as unknown as Consumer;

const facts: RequestFacts = {
  requestId: "req-9",
  startedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  arrivedAt: 0,
  forwardedAt: 2,
  upstreamHeadersAt: 9,
  finishedAt: 10,
  scheme: "https",
  host: "api.example",
  port: 8443,
  method: "POST",
  target: `/orders?access_token=${TOKEN}&page=2`,
  headers: { authorization: `Bearer ${TOKEN}`, cookie: "session=abc123" },
  rawHeaders: ["Authorization", `Bearer ${TOKEN}`, "Cookie", "session=abc123"],
  httpVersion: "1.1",
  clientIp: "192.0.2.7",
  tls: { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", client_verify: "SUCCESS" },
  route,
  service,
  consumer,
  upstreamUri: "/orders?page=2",
  upstreamTarget: { ip: "upstream.internal", port: 8080 },
  status: 200,
  responseHeaders: { "set-cookie": "session=new456" },
  bytesSent: 200,
  source: "upstream",
};

describe("the access log line (proxy_access_log)", () => {
  it("request id, route, service, consumer, status, latencies, client ip and how the binding was decided", () => {
    const record = accessLogRecord(serializeLogEntry(facts), { plugin: "openid-connect", binding: "match" });
    assert.deepEqual(record, {
      time: "2026-01-02T03:04:05.006Z",
      msg: "access",
      request_id: "req-9",
      client_ip: "192.0.2.7",
      method: "POST",
      uri: "/orders?access_token=REDACTED&page=2",
      status: 200,
      source: "upstream",
      route: { id: "r-1", name: "orders" },
      service: { id: "s-1", name: "orders-svc" },
      consumer: { id: "c-1", username: "alice", custom_id: null },
      latencies: { kong: 2, proxy: 7, request: 10, receive: 1 },
      auth: { plugin: "openid-connect", binding: "match", refused: null },
    });
  });

  it("an unmatched request and a refusal: nulls where nothing applied, the refusal's reason", () => {
    const unmatched = accessLogRecord(serializeLogEntry({ ...facts, route: undefined, service: undefined, consumer: undefined, status: 404, source: "kong", forwardedAt: undefined, upstreamHeadersAt: undefined }), undefined);
    assert.equal(unmatched["route"], null);
    assert.equal(unmatched["auth"], null);
    assert.equal(unmatched["status"], 404);
    const refused = accessLogRecord(serializeLogEntry({ ...facts, status: 401, source: "kong" }), { plugin: "openid-connect", binding: "mismatch", refused: "binding" });
    assert.deepEqual(refused["auth"], { plugin: "openid-connect", binding: "mismatch", refused: "binding" });
  });

  it("never carries a credential", () => {
    const text = JSON.stringify(accessLogRecord(serializeLogEntry(facts), { plugin: "openid-connect", binding: "match" }));
    for (const secret of [TOKEN, "abc123", "new456"]) assert.ok(!text.includes(secret), secret);
  });
});
