import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateRecord } from "@tether/core";
import { checkConfig as checkFileLog, configSchema as fileLogSchema } from "../file-log/schema.ts";
import { checkConfig as checkHttpLog, configSchema as httpLogSchema, queueParams, type HttpLogConfig } from "../http-log/schema.ts";
import { parseEndpoint, payloadOf } from "../http-log/sender.ts";
import { LUA_NOT_SUPPORTED } from "./lua-code.ts";

function validated<T>(schema: Parameters<typeof validateRecord>[0], input: Record<string, unknown>): T {
  const config = structuredClone(input);
  assert.equal(validateRecord(schema, config), undefined);
  return config as T;
}

describe("file-log config (Kong's kong/plugins/file-log/schema.lua)", () => {
  it("path is required and must look like a file name; reopen defaults to false", () => {
    assert.deepEqual(validateRecord(fileLogSchema, {}), { path: "required field missing" });
    for (const bad of [" /tmp/x.log", "/tmp/x.log ", "/tmp/*.log", "/tmp/a&b", "/tmp/100%", "/tmp/a\\b", "/tmp/`x`", "x"])
      assert.deepEqual(validateRecord(fileLogSchema, { path: bad }), { path: "not a valid filename" }, bad);
    const config = validated<{ path: string; reopen: boolean }>(fileLogSchema, { path: "/var/log/tether/file log.json" });
    assert.equal(config.reopen, false);
  });

  it("custom_fields_by_lua: null or {} (what Kong's exports carry) pass; Lua code is refused, not ignored", () => {
    assert.equal(checkFileLog({ path: "/tmp/x.log", reopen: false, custom_fields_by_lua: null }), undefined);
    assert.equal(checkFileLog({ path: "/tmp/x.log", reopen: false, custom_fields_by_lua: {} }), undefined);
    assert.deepEqual(checkFileLog({ path: "/tmp/x.log", reopen: false, custom_fields_by_lua: { route: "return nil" } }), { custom_fields_by_lua: LUA_NOT_SUPPORTED });
  });
});

describe("http-log config (Kong's kong/plugins/http-log/schema.lua, queue_schema.lua)", () => {
  it("Kong's defaults, the queue's included", () => {
    const config = validated<HttpLogConfig>(httpLogSchema, { http_endpoint: "http://logs.internal:9000/ingest" });
    assert.equal(config.method, "POST");
    assert.equal(config.content_type, "application/json");
    assert.equal(config.timeout, 10000);
    assert.equal(config.keepalive, 60000);
    assert.deepEqual(config.queue, {
      max_batch_size: 1,
      max_coalescing_delay: 1,
      max_entries: 10000,
      max_retry_time: 60,
      initial_retry_delay: 0.01,
      max_retry_delay: 60,
      concurrency_limit: 1,
    });
    assert.equal(checkHttpLog(config), undefined);
  });

  it("refuses what Kong refuses", () => {
    assert.deepEqual(validateRecord(httpLogSchema, {}), { http_endpoint: "required field missing" });
    assert.deepEqual(validateRecord(httpLogSchema, { http_endpoint: "logs.internal/ingest" }), { http_endpoint: "missing host in url" });
    assert.deepEqual(validateRecord(httpLogSchema, { http_endpoint: "http://x", method: "GET" }), { method: "expected one of: POST, PUT, PATCH" });
    assert.deepEqual(validateRecord(httpLogSchema, { http_endpoint: "http://x", queue: { concurrency_limit: 2 } }), { queue: { concurrency_limit: "expected one of: -1, 1" } });
    assert.deepEqual(validateRecord(httpLogSchema, { http_endpoint: "http://x", queue: { max_batch_size: 0 } }), { queue: { max_batch_size: "value should be between 1 and 1000000" } });
    const base = validated<HttpLogConfig>(httpLogSchema, { http_endpoint: "http://x" });
    assert.deepEqual(checkHttpLog({ ...base, headers: { host: "a" } }), { headers: "cannot contain 'Host' header" });
    assert.deepEqual(checkHttpLog({ ...base, headers: { "Content-Length": "1" } }), { headers: "cannot contain 'Content-Length' header" });
    assert.deepEqual(checkHttpLog({ ...base, headers: { "content-type": "x" } }), { headers: "cannot contain 'Content-Type' header" });
    assert.deepEqual(checkHttpLog({ ...base, headers: { "x y": "1" } }), { headers: "bad header name 'x y', allowed characters are A-Z, a-z, 0-9, '_', and '-'" });
    assert.equal(checkHttpLog({ ...base, headers: { "X-Api-Key": "k" } }), undefined);
    assert.equal(
      checkHttpLog({ ...base, http_endpoint: "http://user:pass@x/logs", headers: { authorization: "Bearer y" } }),
      "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed",
    );
    assert.equal(checkHttpLog({ ...base, http_endpoint: "http://user:pass@x/logs" }), undefined);
  });

  it("the deprecated fields are accepted; queue_size and flush_timeout stand in for the queue's, as Kong's get_plugin_params", () => {
    const config = validated<HttpLogConfig>(httpLogSchema, { http_endpoint: "http://x", retry_count: 10, queue_size: 5, flush_timeout: 3 });
    assert.equal(queueParams(config).max_batch_size, 5);
    assert.equal(queueParams(config).max_coalescing_delay, 3);
    const olds = validated<HttpLogConfig>(httpLogSchema, { http_endpoint: "http://x", queue_size: 1, flush_timeout: 2, queue: { max_batch_size: 7 } });
    assert.equal(queueParams(olds).max_batch_size, 7, "the old defaults change nothing");
    assert.equal(queueParams(olds).max_coalescing_delay, 1);
  });

  it("user info becomes Basic authorization and is never part of the URL requested or logged", () => {
    const endpoint = parseEndpoint("https://log%40user:s3cr%3At@logs.internal/ingest?tenant=a");
    assert.equal(endpoint.authorization, `Basic ${Buffer.from("log%40user:s3cr%3At").toString("base64")}`);
    assert.equal(endpoint.target, "https://logs.internal/ingest?tenant=a");
    assert.equal(endpoint.hostPort, "logs.internal:443");
    assert.equal(endpoint.safe, "https://logs.internal/ingest");
  });

  it("payload: one JSON object when batches are of one, a JSON array otherwise (even of one)", () => {
    assert.equal(payloadOf(['{"a":1}'], { max_batch_size: 1 }), '{"a":1}');
    assert.equal(payloadOf(['{"a":1}', '{"b":2}'], { max_batch_size: 10 }), '[{"a":1},{"b":2}]');
    assert.equal(payloadOf(['{"a":1}'], { max_batch_size: 10 }), '[{"a":1}]');
  });
});
