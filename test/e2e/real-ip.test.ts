// Kong's real_ip_header / real_ip_recursive end to end: real `tether start` nodes (nginx's realip
// semantics as kong/templates/nginx_kong.lua configures them, set_real_ip_from = trusted_ips),
// driven with curl, the echo upstream showing X-Real-IP / X-Forwarded-For, the access log the
// client_ip.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEcho, type Echo, type EchoRequest } from "../fixtures/upstream/index.ts";
import { curl } from "../helpers/clients.ts";
import { untilApplied } from "../helpers/scenario.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

describe("real_ip_header / real_ip_recursive", () => {
  let echo: Echo;
  const nodes: Record<"xRealIp" | "xffOff" | "xffOn" | "untrusted", Tether | undefined> = { xRealIp: undefined, xffOff: undefined, xffOn: undefined, untrusted: undefined };

  /** A node proxying /rip to the echo upstream, its access log on stdout. */
  async function node(env: Record<string, string>): Promise<Tether> {
    const t = await startTether({ env: { TETHER_PROXY_ACCESS_LOG: "stdout", ...env } });
    assert.equal((await adminJson(t, "POST", "/services", { name: "svc", url: echo.url })).status, 201);
    assert.equal((await adminJson(t, "POST", "/services/svc/routes", { name: "rip", paths: ["/rip"] })).status, 201);
    await untilApplied(t);
    return t;
  }

  /** One curl request through `t` (from 127.0.0.1 unless `from`): what the upstream saw and the access log's client_ip. */
  async function through(t: Tether | undefined, path: string, headers: string[], from = "127.0.0.1"): Promise<{ status: number; upstream: EchoRequest; clientIp: unknown }> {
    assert.ok(t);
    const res = await curl(`http://127.0.0.1:${t.httpPort}${path}`, "--interface", from, ...headers.flatMap((h) => ["-H", h]));
    const id = res.headers["x-tether-request-id"];
    let line: Record<string, unknown> | undefined;
    await waitFor(async () => (line = t.logs.find((l) => l.msg === "access" && l["request_id"] === id)) !== undefined);
    return { status: res.status, upstream: res.body as EchoRequest, clientIp: line?.["client_ip"] };
  }

  before(async () => {
    echo = await startEcho();
    // One after another: four nodes starting at once on a busy 2-core machine miss the start-up timeout.
    nodes.xRealIp = await node({ TETHER_TRUSTED_IPS: "127.0.0.1" });
    nodes.xffOff = await node({ TETHER_TRUSTED_IPS: "127.0.0.1, 10.0.0.0/8", TETHER_REAL_IP_HEADER: "X-Forwarded-For" });
    nodes.xffOn = await node({ TETHER_TRUSTED_IPS: "127.0.0.1, 10.0.0.0/8", TETHER_REAL_IP_HEADER: "x-forwarded-for", TETHER_REAL_IP_RECURSIVE: "on" });
    nodes.untrusted = await node({});
  });

  after(async () => {
    await Promise.all(Object.values(nodes).map((t) => t?.stop()));
    await echo?.stop();
  });

  it("default real_ip_header = X-Real-IP: a trusted peer's X-Real-IP is the client address", async () => {
    const { status, upstream, clientIp } = await through(nodes.xRealIp, "/rip", ["X-Real-IP: 203.0.113.7"]);
    assert.equal(status, 200);
    assert.equal(upstream.headers["x-real-ip"], "203.0.113.7");
    // Kong: no incoming X-Forwarded-For, so it is `$remote_addr`, the realip'd address.
    assert.equal(upstream.headers["x-forwarded-for"], "203.0.113.7");
    assert.equal(clientIp, "203.0.113.7");
  });

  it("X-Forwarded-For still appends the connecting peer ($realip_remote_addr), not the realip'd address", async () => {
    const { upstream, clientIp } = await through(nodes.xRealIp, "/rip", ["X-Real-IP: 203.0.113.7", "X-Forwarded-For: 198.51.100.1"]);
    assert.equal(upstream.headers["x-real-ip"], "203.0.113.7");
    assert.equal(upstream.headers["x-forwarded-for"], "198.51.100.1, 127.0.0.1");
    assert.equal(clientIp, "203.0.113.7");
  });

  it("a 404 is logged with the realip'd address too", async () => {
    const { status, clientIp } = await through(nodes.xRealIp, "/nowhere", ["X-Real-IP: 2001:DB8::7"]);
    assert.equal(status, 404);
    assert.equal(clientIp, "2001:db8::7");
  });

  it("a peer outside trusted_ips is not believed, on the same node", async () => {
    const { upstream, clientIp } = await through(nodes.xRealIp, "/rip", ["X-Real-IP: 203.0.113.7", "X-Forwarded-Proto: https"], "127.0.0.2");
    assert.equal(upstream.headers["x-real-ip"], "127.0.0.2");
    assert.equal(upstream.headers["x-forwarded-for"], "127.0.0.2");
    assert.equal(upstream.headers["x-forwarded-proto"], "http");
    assert.equal(clientIp, "127.0.0.2");
  });

  it("trusted_ips unset (Kong's default): no header is believed", async () => {
    const { upstream, clientIp } = await through(nodes.untrusted, "/rip", ["X-Real-IP: 203.0.113.7"]);
    assert.equal(upstream.headers["x-real-ip"], "127.0.0.1");
    assert.equal(upstream.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(clientIp, "127.0.0.1");
  });

  it("X-Forwarded-For, real_ip_recursive off: the last address, trusted or not", async () => {
    const { upstream, clientIp } = await through(nodes.xffOff, "/rip", ["X-Forwarded-For: 198.51.100.1, 203.0.113.7, 10.0.0.5"]);
    assert.equal(upstream.headers["x-real-ip"], "10.0.0.5");
    assert.equal(upstream.headers["x-forwarded-for"], "198.51.100.1, 203.0.113.7, 10.0.0.5, 127.0.0.1");
    assert.equal(clientIp, "10.0.0.5");
  });

  it("X-Forwarded-For, real_ip_recursive on: the first untrusted address from the right", async () => {
    const { upstream, clientIp } = await through(nodes.xffOn, "/rip", ["X-Forwarded-For: 198.51.100.1, 203.0.113.7, 10.0.0.5"]);
    assert.equal(upstream.headers["x-real-ip"], "203.0.113.7");
    assert.equal(upstream.headers["x-forwarded-for"], "198.51.100.1, 203.0.113.7, 10.0.0.5, 127.0.0.1");
    assert.equal(clientIp, "203.0.113.7");
    const allTrusted = await through(nodes.xffOn, "/rip", ["X-Forwarded-For: 10.0.0.7, 10.0.0.5"]);
    assert.equal(allTrusted.upstream.headers["x-real-ip"], "10.0.0.7", "all trusted: the leftmost");
  });

  it("X-Forwarded-For: garbage leaves the peer; IPv6 with a port is read and printed as nginx does", async () => {
    const garbage = await through(nodes.xffOff, "/rip", ["X-Forwarded-For: not-an-ip"]);
    assert.equal(garbage.upstream.headers["x-real-ip"], "127.0.0.1");
    assert.equal(garbage.clientIp, "127.0.0.1");
    const v6 = await through(nodes.xffOn, "/rip", ["X-Forwarded-For: [2001:DB8:0::42]:443, 10.0.0.5"]);
    assert.equal(v6.upstream.headers["x-real-ip"], "2001:db8::42");
    assert.equal(v6.clientIp, "2001:db8::42");
  });
});
