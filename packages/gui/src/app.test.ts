import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Server } from "node:http";
import { adminApiUrl } from "./admin-url.ts";
import { createGuiApp } from "./app.ts";
import { bundleBrowserApp } from "./bundle.ts";
import { securityHeaders } from "./headers.ts";

describe("adminApiUrl (where the browser finds the Admin API)", () => {
  it("admin_gui_api_url wins; else the GUI's host with the Admin API's port; none when admin_listen is off", () => {
    assert.equal(adminApiUrl("https://api.example:8444/", "gui.example:8002", { port: 8001, ssl: false }), "https://api.example:8444");
    assert.equal(adminApiUrl(undefined, "gui.example:8002", { port: 8001, ssl: false }), "http://gui.example:8001");
    assert.equal(adminApiUrl(undefined, "[::1]:8002", { port: 8444, ssl: true }), "https://[::1]:8444");
    assert.equal(adminApiUrl(undefined, "localhost", { port: 8001, ssl: false }), "http://localhost:8001");
    assert.equal(adminApiUrl(undefined, "gui.example:8002", undefined), undefined);
  });
});

describe("securityHeaders", () => {
  it("connect-src names the Admin API's origin; no inline script or style; no framing", () => {
    const headers = securityHeaders("http://127.0.0.1:8001");
    const csp = headers["Content-Security-Policy"]!;
    assert.match(csp, /^default-src 'self'; connect-src 'self' http:\/\/127\.0\.0\.1:8001;/);
    assert.match(csp, /script-src 'self'; style-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(headers["X-Frame-Options"], "DENY");
    assert.match(securityHeaders(undefined)["Content-Security-Policy"]!, /connect-src 'self';/);
  });
});

describe("the GUI server", () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = createGuiApp({ bundle: await bundleBrowserApp(), version: "9.9.9", admin: () => ({ port: 18001, ssl: false }) });
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("serves the page, the bundled module, the stylesheet and the config JSON, each with the CSP", async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/app\.js\?v=9\.9\.9"><\/script>/);
    assert.match(page.headers.get("content-security-policy") ?? "", /connect-src 'self' http:\/\/127\.0\.0\.1:18001;/);
    const js = await fetch(`${base}/app.js`);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(await js.text(), /config\.json/);
    assert.match((await fetch(`${base}/app.css`)).headers.get("content-type") ?? "", /css/);
    assert.deepEqual(await (await fetch(`${base}/config.json`)).json(), { adminApiUrl: "http://127.0.0.1:18001", version: "9.9.9" });
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/config.json`, { method: "POST" })).status, 405);
  });
});
