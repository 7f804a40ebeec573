import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kongConfiguration, kongListener, listenersOf } from "./kong-configuration.ts";

describe("kongListener (Kong's parse_listeners)", () => {
  it("text: ip, port, each flag as a boolean, and the listener string without http2", () => {
    assert.deepEqual(kongListener("0.0.0.0:8443 http2 ssl"), {
      ip: "0.0.0.0",
      port: 8443,
      ssl: true,
      http2: true,
      proxy_protocol: false,
      deferred: false,
      bind: false,
      reuseport: false,
      listener: "0.0.0.0:8443 ssl",
    });
  });

  it("IPv6 in brackets; Tether's parsed form reads the same", () => {
    assert.equal(kongListener("::1:8001")?.ip, "[::1]");
    const parsed = kongListener({ host: "::1", port: 8000, ssl: false, proxyProtocol: true });
    assert.equal(parsed?.listener, "[::1]:8000 proxy_protocol");
    assert.equal(parsed?.proxy_protocol, true);
  });
});

describe("listenersOf", () => {
  it("text stays as configured, Tether's parsed form becomes text; `off` has no listeners", () => {
    assert.deepEqual(listenersOf([]), { listen: [], listeners: [] });
    const { listen, listeners } = listenersOf(["127.0.0.1:8001", { host: "0.0.0.0", port: 8002, ssl: true }]);
    assert.deepEqual(listen, ["127.0.0.1:8001", "0.0.0.0:8002 ssl"]);
    assert.deepEqual(listeners.map((l) => l.port), [8001, 8002]);
  });
});

describe("kongConfiguration (GET / configuration)", () => {
  const shown = kongConfiguration({
    proxy_listen: ["0.0.0.0:8000", "0.0.0.0:8443 ssl http2"],
    admin_listen: ["127.0.0.1:8001"],
    status_listen: [],
    database: "sqlite",
    admin_token: "s3cret-token",
    pg_password: "pg-secret",
    admin_gui_ssl_cert_key: "-----BEGIN PRIVATE KEY-----",
    admin_gui_url: "https://km.example.com/manager",
  });

  it("adds Kong's derived listeners and the properties Kong Manager reads", () => {
    assert.deepEqual((shown["proxy_listeners"] as { port: number; ssl: boolean }[]).map((l) => [l.port, l.ssl]), [[8000, false], [8443, true]]);
    assert.equal((shown["admin_listeners"] as unknown[]).length, 1);
    assert.deepEqual(shown["status_listen"], []);
    assert.deepEqual(shown["status_listeners"], []);
    assert.deepEqual(shown["admin_gui_listeners"], []);
    assert.equal(shown["role"], "traditional");
    assert.equal(shown["router_flavor"], "traditional_compatible");
    assert.equal(shown["admin_gui_path"], "/");
    assert.deepEqual(shown["admin_gui_url"], ["https://km.example.com/manager"]);
  });

  it("secrets are replaced whoever passed them in", () => {
    for (const key of ["admin_token", "pg_password", "admin_gui_ssl_cert_key"]) assert.equal(shown[key], "******", key);
    assert.ok(!JSON.stringify(shown).includes("secret"));
  });
});
