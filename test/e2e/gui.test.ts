// Tether's own GUI (admin_gui_listen) in a real browser: Debian's chromium driven by
// playwright-core. Pages render without console errors; a service and a route made through the
// forms carry traffic; Kong's field errors show at their fields; a plugin form built from its
// schema; the admin-token login. TETHER_GUI_SCREENSHOTS=<dir> also saves the main pages (docs/gui/).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { tlsRequest } from "../helpers/clients.ts";
import { startScenario, untilApplied, type Scenario } from "../helpers/scenario.ts";
import { adminJson, startTether, waitFor, type Tether } from "../helpers/tether.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = process.env["TETHER_GUI_SCREENSHOTS"];

/** The GUI's port, from its start-up line. */
async function guiUrl(tether: Tether): Promise<string> {
  await waitFor(async () => tether.logs.some((l) => l.msg === "gui listening"), 10_000);
  return `http://127.0.0.1:${tether.logs.find((l) => l.msg === "gui listening")!["port"] as number}/`;
}

let browser: Browser;

before(async () => {
  // Loud, not skipped: CI installs it (.ci/run).
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium`);
  // playwright-core gives every launch a fresh profile (--user-data-dir in a temporary directory it removes).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(() => browser?.close());

/** A fresh page that records console errors and uncaught exceptions. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("dialog", (dialog) => void dialog.accept());
  return { page, errors };
}

/** Opens `hash` and waits until its view has rendered. */
async function visit(page: Page, base: string, hash: string): Promise<void> {
  await page.goto(`${base}${hash}`);
  await page.waitForSelector("main#view:not([aria-busy]) h1");
}

/** Saves the form; the page must then show `next`, else the failure names the error the form shows. */
async function save(page: Page, next: string): Promise<void> {
  await page.click("form button[type=submit]");
  await page.waitForSelector(`${next}, form .banner.error`);
  const banner = page.locator("form .banner.error");
  if (await banner.count()) assert.fail(`the form says: ${await banner.innerText()}`);
}

describe("Tether's GUI", () => {
  let s: Scenario;
  let tether: Tether;
  let base: string;

  before(async () => {
    s = await startScenario();
    tether = s.tether;
    base = await guiUrl(tether);
  });
  after(() => s?.stop());

  it("serves the app with a strict CSP naming the Admin API, no framing, and its config as JSON", async () => {
    const res = await fetch(base);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, new RegExp(`connect-src 'self' ${tether.admin}(;|$)`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.doesNotMatch(await res.text(), /<script>|<style>| style=| on[a-z]+=/i, "no inline script or style");
    assert.deepEqual(await (await fetch(`${base}config.json`)).json(), { adminApiUrl: tether.admin, version: "0.1.0" });
    // The Admin API's GET / now lists the GUI's listener (Kong Manager's overview reads it).
    const info = await adminJson(tether, "GET", "/");
    assert.equal(info.body.configuration.admin_gui_listeners.length, 1);
  });

  it("every page renders without console errors", async () => {
    const svc = await adminJson(tether, "POST", "/services", { name: "seeded", url: s.echo.url });
    const route = await adminJson(tether, "POST", "/services/seeded/routes", { name: "seeded-route", paths: ["/seeded"], snis: ["api.example"] });
    const cert = await adminJson(tether, "POST", "/certificates", { cert: s.pki.server.cert, key: s.pki.server.key, snis: ["api.example"] });
    const ca = await adminJson(tether, "POST", "/ca_certificates", { cert: s.pki.ca.cert });
    await adminJson(tether, "POST", "/consumers", { username: "alice" });
    await adminJson(tether, "POST", `/routes/${route.body.id}/plugins`, { name: "tls-handshake-modifier" });
    const mtls = await adminJson(tether, "POST", `/routes/${route.body.id}/plugins`, { name: "mtls-auth", config: { ca_certificates: [ca.body.id] } });
    assert.equal(mtls.status, 201, JSON.stringify(mtls.body));
    const oidc = await adminJson(tether, "POST", `/routes/${route.body.id}/plugins`, {
      name: "openid-connect",
      config: { issuer: "https://idp.example/realms/demo", using_pseudo_issuer: true, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" },
    });
    assert.deepEqual([svc.status, route.status, cert.status, ca.status, oidc.status], [201, 201, 201, 201, 201], JSON.stringify(oidc.body));
    const { page, errors } = await openPage();
    // The screenshot's name (TETHER_GUI_SCREENSHOTS); the binding page's is taken with live counts, below.
    const pages: [string, string | undefined, RegExp][] = [
      ["#/", "overview", /Overview/],
      ["#/services", "services", /Gateway Services/],
      [`#/services/${svc.body.id}`, "service", /Gateway Service seeded/],
      ["#/services/new", "service-form", /New gateway service/],
      ["#/routes", "routes", /Routes/],
      [`#/routes/${route.body.id}/edit`, "route-form", /Edit route/],
      ["#/consumers", "consumers", /Consumers/],
      ["#/plugins", "plugins", /Plugins/],
      ["#/plugins/new", "plugin-picker", /New plugin/],
      ["#/plugins/new?name=openid-connect", "plugin-form", /New plugin: openid-connect/],
      ["#/certificates", "certificates", /Certificates/],
      ["#/ca_certificates", "ca-certificates", /CA Certificates/],
      ["#/snis", "snis", /SNIs/],
      ["#/binding", undefined, /Certificate binding/],
      [`#/explain?route=seeded-route`, "explain", /Why was I refused\?/],
    ];
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [hash, name, title] of pages) {
      await visit(page, base, hash);
      assert.match(await page.locator("main h1").innerText(), title, hash);
      assert.equal(await page.locator(".banner.error").count(), 0, `${hash}: ${await page.locator("main").innerText()}`);
      if (SCREENSHOTS && name) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: name !== "plugin-form" });
    }
    assert.deepEqual(errors, []);
    // The overview shows the node's listeners; the certificate list its expiry read from the PEM.
    await visit(page, base, "#/");
    assert.match(await page.locator("main").innerText(), /Admin GUI/);
    await visit(page, base, "#/certificates");
    const certRow = await page.locator("tr", { hasText: String(cert.body.id) }).innerText();
    assert.match(certRow, /\d{4}-\d{2}-\d{2} \(\d+ days\)/);
    assert.match(certRow, /api\.example/, "the SNIs that name the certificate");
    // The CA certificate list: its expiry, and the route whose mtls-auth trusts it.
    await visit(page, base, "#/ca_certificates");
    const caRow = page.locator("tr", { hasText: String(ca.body.id) });
    assert.match(await caRow.innerText(), /\d{4}-\d{2}-\d{2} \(\d+ days\)/);
    assert.equal(await caRow.locator("ul.inline a").innerText(), "seeded-route");
    // The binding page: the route's handshake asks for a certificate under its SNI.
    await visit(page, base, "#/binding");
    const row = await page.locator("tr", { hasText: "seeded-route" }).innerText();
    assert.match(row, /requested \(tls-handshake-modifier\)/);
    assert.match(row, /api\.example/);
    assert.match(row, /strict/);
    assert.match(row, /https:\/\/idp\.example\/realms\/demo/);
  });

  it("a service and a route made through the forms carry a request to the upstream", async () => {
    const { page, errors } = await openPage();
    await visit(page, base, "#/services/new");
    const { hostname, port } = new URL(s.echo.url);
    await page.fill("#field-name", "from-gui");
    await page.fill("#field-host", hostname);
    await page.fill("#field-port", port);
    await save(page, 'main .list[data-kind="services"]');
    await page.click("text=from-gui");
    await page.waitForSelector("main h1:has-text('Gateway Service from-gui')");
    await page.click("text=New route");
    await page.waitForSelector("#field-paths");
    await page.fill("#field-name", "gui-route");
    await page.fill("#field-paths", "/made-in-the-gui");
    await save(page, "main td:has-text('gui-route')");
    assert.deepEqual(errors, []);

    await untilApplied(tether);
    const res = await fetch(`http://127.0.0.1:${tether.httpPort}/made-in-the-gui/gui-probe`);
    assert.equal(res.status, 200);
    // The route's default strip_path: the upstream sees the rest of the path.
    assert.ok(s.echo.requests.some((r) => r.url === "/gui-probe"), "the upstream got the request");

    // Edit, then delete, through the list.
    await visit(page, base, "#/routes");
    await page.locator("tr", { hasText: "gui-route" }).locator("text=Edit").click();
    await page.waitForSelector("#field-paths");
    await page.fill("#field-paths", "/made-in-the-gui\n/also-gui");
    await save(page, "main td:has-text('/also-gui')");
    await page.locator("tr", { hasText: "gui-route" }).locator("button:has-text('Delete')").click();
    await waitFor(async () => (await adminJson(tether, "GET", "/routes/gui-route")).status === 404);
  });

  it("tls-handshake-modifier and openid-connect with PoP strict made through their forms bind tokens to the certificate", async () => {
    await adminJson(tether, "POST", "/services", { name: "pop-svc", url: s.echo.url });
    const route = await adminJson(tether, "POST", "/services/pop-svc/routes", { name: "pop-route", paths: ["/pop-gui"], strip_path: false });
    const { page, errors } = await openPage();
    await visit(page, base, `#/plugins/new?name=tls-handshake-modifier&route=${route.body.id}`);
    await save(page, 'main .list[data-kind="plugins"]');
    await visit(page, base, `#/plugins/new?name=openid-connect&route=${route.body.id}`);
    await page.fill("#field-config-issuer", s.idp.issuer);
    await page.selectOption("#field-config-proof_of_possession_mtls", "strict");
    for (const box of await page.locator('input[name="config.auth_methods"]').all()) await box.setChecked((await box.getAttribute("value")) === "bearer");
    await save(page, 'main .list[data-kind="plugins"]');
    assert.deepEqual(errors, []);

    await untilApplied(tether);
    const token = await s.token({ cert: s.pki.clients.alice });
    const request = (cert?: typeof s.pki.clients.alice) => tlsRequest({ port: tether.httpsPort, path: "/pop-gui", headers: { authorization: `Bearer ${token}` }, ...(cert ? { cert } : {}) });
    assert.equal((await request(s.pki.clients.alice)).status, 200, "the certificate the token is bound to");
    assert.equal((await request(s.pki.clients.bob)).status, 401, "another certificate");

    // Delete the openid-connect plugin in the list: the route no longer asks for a token.
    await visit(page, base, "#/plugins");
    const row = page.locator("tr", { hasText: "openid-connect" }).filter({ hasText: String(route.body.id).slice(0, 8) });
    await row.locator("button:has-text('Delete')").click();
    await waitFor(async () => (await adminJson(tether, "GET", `/routes/${route.body.id}/plugins`)).body.data.length === 1);
    await untilApplied(tether);
    assert.equal((await tlsRequest({ port: tether.httpsPort, path: "/pop-gui", cert: s.pki.clients.bob })).status, 200);
  });

  it("the binding page counts binding outcomes live from /metrics, and stops reading them when left", async () => {
    await adminJson(tether, "POST", "/services", { name: "counted-svc", url: s.echo.url });
    await adminJson(tether, "POST", "/services/counted-svc/routes", { name: "counted-route", paths: ["/counted"] });
    await adminJson(tether, "POST", "/routes/counted-route/plugins", { name: "tls-handshake-modifier" });
    const oidc = await adminJson(tether, "POST", "/routes/counted-route/plugins", { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } });
    assert.equal(oidc.status, 201, JSON.stringify(oidc.body));
    await untilApplied(tether);
    const { page, errors } = await openPage();
    let metricsReads = 0;
    page.on("request", (request) => void (request.url() === `${tether.admin}/metrics` && metricsReads++));
    await visit(page, base, "#/binding");
    const row = page.locator('tr[data-route="counted-route"]');
    assert.equal(await row.locator("td.outcomes").innerText(), "–");
    assert.equal(await row.locator("td.refusals").innerText(), "–");

    const token = await s.token({ cert: s.pki.clients.alice });
    const request = (cert: typeof s.pki.clients.alice) => tlsRequest({ port: tether.httpsPort, path: "/counted", headers: { authorization: `Bearer ${token}` }, cert });
    assert.equal((await request(s.pki.clients.alice)).status, 200);
    assert.equal((await request(s.pki.clients.bob)).status, 401);
    // No reload: the page reads /metrics again by itself.
    await row.locator("td.outcomes", { hasText: "mismatch 1" }).waitFor({ timeout: 15_000 });
    assert.equal(await row.locator("td.outcomes").innerText(), "match 1, mismatch 1");
    assert.equal(await row.locator("td.refusals").innerText(), "binding 1");
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "binding.png"), fullPage: true });
    assert.equal(await page.locator(".banner.error").count(), 0);

    // Another page replaces it: no more reads.
    await visit(page, base, "#/routes");
    const reads = metricsReads;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.equal(metricsReads, reads, "the timer stopped with the page");
    assert.deepEqual(errors, []);

    // /metrics failing: the page says so and the rest still shows.
    await page.route(`${tether.admin}/metrics`, (route) => route.fulfill({ status: 500, contentType: "application/json", headers: { "access-control-allow-origin": new URL(base).origin }, body: '{"message":"An unexpected error occurred"}' }));
    await visit(page, base, "#/binding");
    assert.match(await page.locator(".metrics-status .banner.error").innerText(), /GET \/metrics answered 500: An unexpected error occurred/);
    assert.match(await page.locator('tr[data-route="counted-route"]').innerText(), /requested \(tls-handshake-modifier\)/);
  });

  it("the explain page: a bound token refused without its certificate or with another, passing with its own", async () => {
    await adminJson(tether, "POST", "/services", { name: "explain-svc", url: s.echo.url });
    await adminJson(tether, "POST", "/services/explain-svc/routes", { name: "explain-route", paths: ["/explained"] });
    await adminJson(tether, "POST", "/routes/explain-route/plugins", { name: "tls-handshake-modifier" });
    const oidc = await adminJson(tether, "POST", "/routes/explain-route/plugins", { name: "openid-connect", config: { issuer: s.idp.issuer, auth_methods: ["bearer"], proof_of_possession_mtls: "strict" } });
    assert.equal(oidc.status, 201, JSON.stringify(oidc.body));
    await untilApplied(tether);
    const token = await s.token({ cert: s.pki.clients.alice });
    const { page, errors } = await openPage();

    // From the binding page's row, with the route chosen.
    await visit(page, base, "#/binding");
    await page.locator('tr[data-route="explain-route"]').locator("text=Why refused?").click();
    await page.waitForSelector("main h1:has-text('Why was I refused?')");
    assert.equal(await page.locator("#field-route").inputValue(), "explain-route");

    const explain = async (certificate: string): Promise<string> => {
      await page.fill("#field-certificate", certificate);
      await page.click("form button[type=submit]");
      await page.waitForSelector(".explanation, form .banner.error");
      return page.locator(".explanation").innerText();
    };
    await page.fill("#field-token", token);
    const none = await explain("");
    assert.match(none, /Refused with 401 by openid-connect/);
    assert.match(none, /WWW-Authenticate: Bearer/);
    assert.match(none, /certificate binding no_certificate/);
    assert.match(none, /Presented x5t#S256\s+\(no certificate\)/);
    const other = await explain(s.pki.clients.bob.cert);
    assert.match(other, /Refused with 401 by openid-connect/);
    assert.match(other, /refused \(binding\), certificate binding mismatch/);
    assert.match(other, /MISMATCH/);
    // The answer only: the form holds the (test) token.
    if (SCREENSHOTS) await page.locator(".explanation").screenshot({ path: join(SCREENSHOTS, "explain-refused.png") });
    const own = await explain(s.pki.clients.alice.cert);
    assert.match(own, /Passes: the request reaches the upstream/);
    assert.match(own, /certificate binding match/);
    assert.equal(await page.locator(".verdict.pass").count(), 1);
    assert.equal(own.includes(token), false, "the token is not shown back");
    assert.deepEqual(errors, []);

    // Kong's 400 at its field (Chromium logs the 400 to the console: errors were checked above).
    await page.fill("#field-certificate", "not a certificate");
    await page.click("form button[type=submit]");
    const certError = page.locator('[data-error-for="certificate"]');
    await certError.filter({ hasText: /./ }).waitFor();
    assert.equal(await certError.innerText(), "expected a PEM encoded certificate");
    assert.equal(await page.locator(".explanation").count(), 0);

    // Nothing kept: no storage, and the form is empty when the page is shown again.
    assert.deepEqual(await page.evaluate("[localStorage.length, sessionStorage.length]"), [0, 0]);
    await visit(page, base, "#/binding");
    await page.goBack();
    await page.waitForSelector("main#view:not([aria-busy]) #field-token");
    assert.equal(await page.locator("#field-token").inputValue(), "");
  });

  it("list pages filter by tags (Kong's `,` for all, `/` for any) and sort the page's rows by a column", async () => {
    for (const [name, tags] of [["tagged-one", ["gui-a", "gui-b"]], ["tagged-two", ["gui-a"]], ["tagged-three", ["gui-b"]]] as const) {
      assert.equal((await adminJson(tether, "POST", "/services", { name, url: s.echo.url, tags })).status, 201);
    }
    const { page, errors } = await openPage();
    const names = "main .list tbody tr td:first-child";
    /** Waits until the list's first column reads `expected`, in that order. */
    const listed = (expected: string[]) => waitFor(async () => (await page.locator(names).allInnerTexts()).join("|") === expected.join("|"));
    const filter = async (tags: string): Promise<void> => {
      await page.fill("#tag-filter", tags);
      await page.click("form.tag-filter button[type=submit]");
    };
    await visit(page, base, "#/services");
    await filter("gui-a,gui-b");
    await listed(["tagged-one"]);
    await filter("gui-a/gui-b");
    await waitFor(async () => (await page.locator(names).count()) === 3);
    // The page's rows, sorted by name one way, then the other.
    await page.click("main th button:has-text('name')");
    await listed(["tagged-one", "tagged-three", "tagged-two"]);
    await page.click("main th button:has-text('name')");
    await listed(["tagged-two", "tagged-three", "tagged-one"]);
    assert.equal(await page.locator("main th[aria-sort]").getAttribute("aria-sort"), "descending");
    assert.deepEqual(errors, []);
    // A filter Kong refuses is shown at the filter (Chromium logs the 400: errors were checked above).
    await filter("gui-a,gui-b/x");
    const error = page.locator('[data-error-for="tags"]');
    await error.filter({ hasText: /./ }).waitFor();
    assert.equal(await error.innerText(), "invalid filter syntax");
  });

  it("Kong's field errors are shown at their fields; a plugin form built from its schema", async () => {
    const { page } = await openPage();
    await visit(page, base, "#/services/new");
    await page.fill("#field-host", "upstream.example");
    await page.fill("#field-port", "70000");
    await page.click("form button[type=submit]");
    const portError = page.locator('[data-error-for="port"]');
    await portError.waitFor();
    assert.match(await portError.innerText(), /65535/);
    assert.equal(await page.locator('[data-error-for="host"]').innerText(), "");
    assert.match(await page.locator(".banner.error").innerText(), /schema violation/i);

    // openid-connect's form: nested config record, enums as selects; a missing issuer is shown at config.issuer.
    await visit(page, base, "#/plugins/new?name=openid-connect");
    assert.equal(await page.locator("#field-config-proof_of_possession_mtls").evaluate((e) => e.tagName), "SELECT");
    await page.click("form button[type=submit]");
    const issuerError = page.locator('[data-error-for="config.issuer"]');
    await issuerError.waitFor();
    assert.match(await issuerError.innerText(), /required/);
  });
});

describe("Tether's GUI with admin_token", () => {
  let tether: Tether;
  const token = "gui-test-admin-token";

  before(async () => {
    tether = await startTether({ env: { TETHER_ADMIN_TOKEN: token } });
  });
  after(() => tether?.stop());

  it("asks for the token, sends it as a Bearer token, keeps it in sessionStorage only", async () => {
    const { page } = await openPage();
    await page.goto(await guiUrl(tether));
    await page.waitForSelector("#admin-token");
    await page.fill("#admin-token", "wrong");
    await page.click("form.login button[type=submit]");
    await page.waitForSelector("text=The Admin API refused this token.");
    await page.fill("#admin-token", token);
    await page.click("form.login button[type=submit]");
    await page.waitForSelector("main h1:has-text('Overview')");
    assert.equal(await page.evaluate("sessionStorage.getItem('tether.admin_token')"), token);
    assert.equal(await page.evaluate("localStorage.length"), 0);
    await page.click("text=Log out");
    await page.waitForSelector("#admin-token");
  });
});
