import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig, sanitizedConfig } from "./load.ts";

describe("proxy_access_log (Kong's property)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tether-conf-"));
  it("is off by default (Kong's default is logs/access.log: see the README for why not here)", () => {
    assert.equal(loadConfig({}, dir).proxy_access_log, "off");
    assert.equal(sanitizedConfig(loadConfig({}, dir))["proxy_access_log"], "off");
  });
  it("takes stdout, off, a relative path (to the prefix) or an absolute one, from tether.conf or TETHER_PROXY_ACCESS_LOG", () => {
    assert.equal(loadConfig({ TETHER_PROXY_ACCESS_LOG: "stdout" }, dir).proxy_access_log, "stdout");
    assert.equal(loadConfig({ TETHER_PROXY_ACCESS_LOG: "/dev/stdout" }, dir).proxy_access_log, "stdout");
    assert.equal(loadConfig({ TETHER_PROXY_ACCESS_LOG: "logs/access.log" }, dir).proxy_access_log, join(dir, "data", "logs", "access.log"));
    assert.equal(loadConfig({ TETHER_PREFIX: "/srv/tether", TETHER_PROXY_ACCESS_LOG: "logs/access.log" }, dir).proxy_access_log, "/srv/tether/logs/access.log");
    assert.equal(loadConfig({ TETHER_PROXY_ACCESS_LOG: "/var/log/tether/access.json" }, dir).proxy_access_log, "/var/log/tether/access.json");
    const confDir = mkdtempSync(join(tmpdir(), "tether-conf-"));
    writeFileSync(join(confDir, "tether.conf"), "proxy_access_log = access/proxy.log\n");
    assert.equal(loadConfig({}, confDir).proxy_access_log, join(confDir, "data", "access", "proxy.log"));
  });
  it("refuses nginx's format and parameters, naming the key", () => {
    assert.throws(() => loadConfig({ TETHER_PROXY_ACCESS_LOG: "logs/access.log combined" }, dir), /^Error: proxy_access_log: expected a file path, stdout or off/);
    assert.throws(() => loadConfig({ TETHER_PROXY_ACCESS_LOG: " " }, dir), /proxy_access_log/);
  });
});
