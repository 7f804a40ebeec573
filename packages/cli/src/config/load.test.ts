import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, parseListen } from "./listen.ts";
import { loadConfig, sanitizedConfig } from "./load.ts";

describe("parseListen (Kong's *_listen syntax)", () => {
  it("parses addresses and the ssl flag", () => {
    assert.deepEqual(parseListen("proxy_listen", "0.0.0.0:8000, 0.0.0.0:8443 ssl http2"), [
      { host: "0.0.0.0", port: 8000, ssl: false },
      { host: "0.0.0.0", port: 8443, ssl: true, http2: true },
    ]);
    assert.deepEqual(parseListen("admin_listen", "[::1]:8001"), [{ host: "::1", port: 8001, ssl: false }]);
    assert.deepEqual(parseListen("admin_listen", "off"), []);
  });
  it("names the key in errors", () => {
    assert.throws(() => parseListen("proxy_listen", "8000"), (e: Error) => e instanceof ConfigError && e.message.startsWith("proxy_listen:"));
    assert.throws(() => parseListen("admin_listen", "127.0.0.1:99999"), /admin_listen/);
    assert.throws(() => parseListen("admin_listen", "127.0.0.1:8001 bogus"), /admin_listen: unknown flag 'bogus'/);
  });
});

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "tether-conf-"));
  it("defaults: Admin API on loopback, Kong's proxy listeners", () => {
    const c = loadConfig({}, dir);
    assert.deepEqual(c.admin_listen, [{ host: "127.0.0.1", port: 8001, ssl: false }]);
    assert.deepEqual(c.proxy_listen.map((l) => [l.port, l.ssl]), [[8000, false], [8443, true]]);
    assert.equal(c.prefix, join(dir, "data"));
  });
  it("reads tether.conf, and the environment wins", () => {
    writeFileSync(join(dir, "tether.conf"), "# comment\nadmin_listen = 127.0.0.1:9001\nlog_level = warn # trailing\n");
    assert.equal(loadConfig({}, dir).admin_listen[0]!.port, 9001);
    assert.equal(loadConfig({}, dir).log_level, "warn");
    assert.equal(loadConfig({ TETHER_ADMIN_LISTEN: "127.0.0.1:9002" }, dir).admin_listen[0]!.port, 9002);
  });
  it("refuses bad values naming the key", () => {
    assert.throws(() => loadConfig({ TETHER_LOG_LEVEL: "loud" }, dir), /^Error: log_level:/);
    assert.throws(() => loadConfig({ TETHER_SSL_CERT: "/x.pem" }, dir), /ssl_cert_key/);
    assert.throws(() => loadConfig({ TETHER_TRUSTED_CERTIFICATE: "/nope.pem" }, dir), /trusted_certificate: no such file/);
    assert.throws(() => loadConfig({ TETHER_DB_UPDATE_FREQUENCY: "abc" }, dir), /db_update_frequency/);
    writeFileSync(join(dir, "bad.conf"), "no_such_thing = 1\n");
    assert.throws(() => loadConfig({ TETHER_CONF: join(dir, "bad.conf") }, dir), /unknown property 'no_such_thing'/);
  });
  it("ssl_session_tickets / ssl_session_timeout: Kong's defaults (on, 1d), nginx times, errors named", () => {
    assert.equal(loadConfig({}, dir).ssl_session_tickets, true);
    assert.equal(loadConfig({}, dir).ssl_session_timeout, 86_400);
    assert.equal(loadConfig({ TETHER_SSL_SESSION_TICKETS: "off" }, dir).ssl_session_tickets, false);
    for (const [text, seconds] of [["300", 300], ["300s", 300], ["10m", 600], ["12h", 43_200]] as const)
      assert.equal(loadConfig({ TETHER_SSL_SESSION_TIMEOUT: text }, dir).ssl_session_timeout, seconds);
    for (const bad of ["0", "8d", "1w", "-5m", "1.5h", ""])
      assert.throws(() => loadConfig({ TETHER_SSL_SESSION_TIMEOUT: bad }, dir), /^Error: ssl_session_timeout: expected a time/);
    assert.throws(() => loadConfig({ TETHER_SSL_SESSION_TICKETS: "yes" }, dir), /^Error: ssl_session_tickets:/);
  });
  it("trusted_ips: none by default, Kong's comma-separated IPs/CIDRs, bad entries named", () => {
    assert.deepEqual(loadConfig({}, dir).trusted_ips, []);
    assert.deepEqual(loadConfig({ TETHER_TRUSTED_IPS: "10.0.0.0/8, 192.168.1.7,::1" }, dir).trusted_ips, ["10.0.0.0/8", "192.168.1.7", "::1"]);
    assert.deepEqual(loadConfig({ TETHER_TRUSTED_IPS: "0.0.0.0/0,::/0" }, dir).trusted_ips, ["0.0.0.0/0", "::/0"]);
    assert.throws(() => loadConfig({ TETHER_TRUSTED_IPS: "10.0.0.0/40" }, dir), /^Error: trusted_ips: .*10\.0\.0\.0/);
    assert.throws(() => loadConfig({ TETHER_TRUSTED_IPS: "unix:" }, dir), /trusted_ips: .*unix/);
  });
  it("vault_env_prefix: none by default, Kong's env vault prefix rule, a bad one named at start", () => {
    assert.equal(loadConfig({}, dir).vault_env_prefix, undefined);
    assert.equal(loadConfig({ TETHER_VAULT_ENV_PREFIX: "SECRETS_" }, dir).vault_env_prefix, "SECRETS_");
    assert.throws(() => loadConfig({ TETHER_VAULT_ENV_PREFIX: "1bad" }, dir), /^Error: vault_env_prefix: .*'1bad'/);
  });
  it("proxy_protocol listeners and real_ip_header = proxy_protocol", () => {
    const c = loadConfig({ TETHER_PROXY_LISTEN: "0.0.0.0:8000 proxy_protocol, 0.0.0.0:8443 ssl proxy_protocol", TETHER_REAL_IP_HEADER: "proxy_protocol" }, dir);
    assert.deepEqual(c.proxy_listen, [
      { host: "0.0.0.0", port: 8000, ssl: false, proxyProtocol: true },
      { host: "0.0.0.0", port: 8443, ssl: true, proxyProtocol: true },
    ]);
    assert.equal(c.real_ip_header, "proxy_protocol");
    assert.deepEqual(sanitizedConfig(c)["proxy_listen"], ["0.0.0.0:8000 proxy_protocol", "0.0.0.0:8443 ssl proxy_protocol"]);
    assert.equal(loadConfig({ TETHER_REAL_IP_HEADER: "PROXY_Protocol" }, dir).real_ip_header, "proxy_protocol");
    assert.throws(() => loadConfig({ TETHER_ADMIN_LISTEN: "127.0.0.1:8001 proxy_protocol" }, dir), /admin_listen: proxy_protocol is supported on proxy_listen only/);
  });
  it("real_ip_header / real_ip_recursive: Kong's defaults X-Real-IP and off, any header name, bad values named", () => {
    const c = loadConfig({}, dir);
    assert.equal(c.real_ip_header, "X-Real-IP");
    assert.equal(c.real_ip_recursive, false);
    const xff = loadConfig({ TETHER_REAL_IP_HEADER: " X-Forwarded-For ", TETHER_REAL_IP_RECURSIVE: "on" }, dir);
    assert.equal(xff.real_ip_header, "X-Forwarded-For");
    assert.equal(xff.real_ip_recursive, true);
    assert.equal(loadConfig({ TETHER_REAL_IP_HEADER: "cf-connecting-ip" }, dir).real_ip_header, "cf-connecting-ip");
    writeFileSync(join(dir, "realip.conf"), "real_ip_header = True-Client-IP\nreal_ip_recursive = off\n");
    const fromFile = loadConfig({ TETHER_CONF: join(dir, "realip.conf") }, dir);
    assert.equal(fromFile.real_ip_header, "True-Client-IP");
    assert.equal(fromFile.real_ip_recursive, false);
    for (const bad of ["", "X Real IP", "X-Real-IP:", "X-Forwarded-For, X-Real-IP"])
      assert.throws(() => loadConfig({ TETHER_REAL_IP_HEADER: bad }, dir), /^Error: real_ip_header: expected a header name/, JSON.stringify(bad));
    assert.throws(() => loadConfig({ TETHER_REAL_IP_RECURSIVE: "yes" }, dir), /^Error: real_ip_recursive: expected on or off, got 'yes'/);
  });
  it("status_listen: Kong's 3.6+ default 127.0.0.1:8007, `off`, the listen syntax (ssl too), errors named", () => {
    assert.deepEqual(loadConfig({}, dir).status_listen, [{ host: "127.0.0.1", port: 8007, ssl: false }]);
    assert.deepEqual(loadConfig({ TETHER_STATUS_LISTEN: "off" }, dir).status_listen, []);
    assert.deepEqual(loadConfig({ TETHER_STATUS_LISTEN: "0.0.0.0:8100 ssl http2" }, dir).status_listen, [{ host: "0.0.0.0", port: 8100, ssl: true }]);
    assert.throws(() => loadConfig({ TETHER_STATUS_LISTEN: "8007" }, dir), /^Error: status_listen: invalid listen address/);
    writeFileSync(join(dir, "status.conf"), "status_listen = 127.0.0.1:9107\n");
    assert.equal(loadConfig({ TETHER_CONF: join(dir, "status.conf") }, dir).status_listen[0]!.port, 9107);
    assert.deepEqual(sanitizedConfig(loadConfig({}, dir)).status_listen, ["127.0.0.1:8007"]);
  });
  it("admin_gui_listen / admin_gui_url / admin_gui_api_url: loopback 8002 by default, `off`, URLs checked, errors named", () => {
    const defaults = loadConfig({}, dir);
    assert.deepEqual(defaults.admin_gui_listen, [{ host: "127.0.0.1", port: 8002, ssl: false }]);
    assert.deepEqual(defaults.admin_gui_url, []);
    assert.equal(defaults.admin_gui_api_url, undefined);
    assert.deepEqual(loadConfig({ TETHER_ADMIN_GUI_LISTEN: "off" }, dir).admin_gui_listen, []);
    const set = loadConfig({ TETHER_ADMIN_GUI_URL: "http://gui.example:8002/manager, https://gui.example/", TETHER_ADMIN_GUI_API_URL: "https://api.example:8444/" }, dir);
    assert.deepEqual(set.admin_gui_url, ["http://gui.example:8002/manager", "https://gui.example"]);
    assert.equal(set.admin_gui_api_url, "https://api.example:8444");
    assert.throws(() => loadConfig({ TETHER_ADMIN_GUI_LISTEN: "8002" }, dir), /^Error: admin_gui_listen: invalid listen address/);
    assert.throws(() => loadConfig({ TETHER_ADMIN_GUI_URL: "gui.example" }, dir), /^Error: admin_gui_url: expected an http\(s\) URL/);
    assert.throws(() => loadConfig({ TETHER_ADMIN_GUI_API_URL: "ftp://api.example" }, dir), /^Error: admin_gui_api_url: expected an http\(s\) URL/);
    const shown = sanitizedConfig(set);
    assert.deepEqual(shown["admin_gui_listen"], ["127.0.0.1:8002"]);
    assert.deepEqual(shown["admin_gui_url"], ["http://gui.example:8002/manager", "https://gui.example"]);
  });

  it("never shows secrets in the sanitized configuration", () => {
    const c = sanitizedConfig(loadConfig({ TETHER_ADMIN_TOKEN: "s3cret-token" }, dir));
    assert.ok(!JSON.stringify(c).includes("s3cret-token"));
  });
});
