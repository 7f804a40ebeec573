import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { upstreamSchema, fillNulls, validateRecord, type Upstream } from "@tether/core";
import { HealthState, type HealthChange } from "./health-state.ts";
import { probeRequestText } from "./health-plan.ts";
import { probe, statusOfLine } from "./probe.ts";

function upstream(healthchecks: Record<string, unknown>): Upstream {
  const input: Record<string, unknown> = { id: "7d1c3a3e-0f7e-4b8e-9a59-1f6a3b7c0d01", created_at: 1, updated_at: 1, name: "u.test", healthchecks };
  assert.equal(validateRecord(upstreamSchema, input), undefined);
  return fillNulls(input, upstreamSchema) as unknown as Upstream;
}

describe("active health checks", () => {
  it("reads the status of a status line; anything else is 0 (an HTTP failure)", () => {
    assert.equal(statusOfLine("HTTP/1.1 503 Service Unavailable\r"), 503);
    assert.equal(statusOfLine("HTTP/1.0 200"), 200);
    assert.equal(statusOfLine("SSH-2.0-OpenSSH"), 0);
  });

  it("writes lua-resty-healthcheck's request: HTTP/1.0, each header value on a line, Host last", () => {
    const { active } = upstream({ active: { http_path: "/status", headers: { "x-a": ["1", "2"] } } }).healthchecks;
    assert.equal(probeRequestText(active, "10.0.0.1", null), "GET /status HTTP/1.0\r\nx-a: 1\r\nx-a: 2\r\nHost: 10.0.0.1\r\n\r\n");
    assert.equal(probeRequestText(active, "::1", null).split("\r\n").at(-3), "Host: [::1]");
    assert.equal(probeRequestText(active, "10.0.0.1", "api.example").split("\r\n").at(-3), "Host: api.example");
  });

  it("active and passive reports share a target's counters, each against its own thresholds", () => {
    const { healthchecks } = upstream({
      active: { healthy: { interval: 1, successes: 2 }, unhealthy: { interval: 1, http_failures: 1 } },
      passive: { unhealthy: { tcp_failures: 3 } },
    });
    const state = new HealthState();
    state.report("u1", "t:1", healthchecks.passive, { kind: "tcp" });
    state.report("u1", "t:1", healthchecks.passive, { kind: "tcp" });
    assert.equal(state.isHealthy("u1", "t:1"), true);
    state.report("u1", "t:1", healthchecks.active, { kind: "status", status: 404 }); // active: 1 HTTP failure is enough
    assert.equal(state.isHealthy("u1", "t:1"), false);
    state.report("u1", "t:1", healthchecks.active, { kind: "success" });
    assert.equal(state.isHealthy("u1", "t:1"), false);
    state.report("u1", "t:1", healthchecks.active, { kind: "status", status: 200 });
    assert.equal(state.isHealthy("u1", "t:1"), true);
    state.retain(new Set());
    assert.equal(state.isHealthy("u1", "t:1"), undefined, "a removed target's health is forgotten");
  });

  it("reports its own checks' transitions (what workers share), not verdicts set from elsewhere", () => {
    const { healthchecks } = upstream({ passive: { unhealthy: { http_failures: 2 } } });
    const state = new HealthState();
    const changes: HealthChange[] = [];
    state.onTransition((change) => changes.push(change));
    state.report("u1", "t:1", healthchecks.passive, { kind: "status", status: 500 });
    assert.deepEqual(changes, [], "a failure below the threshold is no transition");
    state.report("u1", "t:1", healthchecks.passive, { kind: "status", status: 500 });
    state.report("u1", "t:1", healthchecks.passive, { kind: "status", status: 500 });
    assert.deepEqual(changes, [{ upstreamId: "u1", target: "t:1", healthy: false }], "one transition, however many failures");
    state.setHealthy("u1", "t:2", false);
    state.setHealthy("u1", "t:1", true);
    assert.equal(changes.length, 1, "a relayed or operator's verdict is not reported again");
    state.retain(new Set(["u1|t:1"]));
    assert.deepEqual(changes.at(-1), { upstreamId: "u1", target: "t:2", healthy: true }, "an unhealthy target forgotten is healthy again");
  });

  it("probes time out, fail on a closed port, and read the status of an answer", async () => {
    const silent = net.createServer((socket) => socket.resume()); // reads, never answers
    const answering = net.createServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 418 Teapot\r\n\r\n")));
    await Promise.all([silent, answering].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
    const at = (server: net.Server) => ({
      type: "http" as const,
      host: "127.0.0.1",
      port: (server.address() as net.AddressInfo).port,
      timeoutMs: 200,
      request: "GET / HTTP/1.0\r\nHost: x\r\n\r\n",
      tls: {},
    });
    const signal = new AbortController().signal;
    assert.deepEqual(await probe(at(silent), signal), { kind: "timeout" });
    assert.deepEqual(await probe(at(answering), signal), { kind: "status", status: 418 });
    const closed = at(answering);
    await Promise.all([silent, answering].map((s) => new Promise((resolve) => s.close(resolve))));
    assert.deepEqual(await probe(closed, signal), { kind: "tcp" });
  });
});
