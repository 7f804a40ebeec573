// scripts/demo.sh, run for real (bash + httpie + openssl) against a real `tether start`, the test
// IdP (oidc-provider, certificate-bound tokens) and an echo upstream: Kong's guide end to end.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { demoEnvironment } from "../fixtures/demo-env.ts";
import { startIdp, type Idp } from "../fixtures/idp/index.ts";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { startEcho, type Echo } from "../fixtures/upstream/index.ts";
import { HTTPIE_SKIP } from "../helpers/clients.ts";
import { adminJson, REPO_ROOT, startTether, type Tether } from "../helpers/tether.ts";

const DEMO = join(REPO_ROOT, "scripts/demo.sh");
const PLUGIN_ID = "5f35b796-ced6-4c00-9b2a-90eef745f4f9";

interface DemoRun {
  code: number;
  output: string;
}

/** Runs the script asynchronously: the IdP and the upstream live in this process and must keep serving. */
function runDemo(env: Record<string, string>): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [DEMO],
      { env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? Number(error.code) : 0, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

/**
 * tether.stop(), made safe against a bug in test/helpers/tether.ts: its stdout handler calls
 * `child.removeAllListeners("exit")` on every log line after start-up, so the "stopping" line
 * removes stop()'s own exit listener and stop() never resolves. Waiting for "close" as well works
 * either way; the prefix is removed here in case stop() did not get to it.
 */

function assertLines(output: string, lines: string[]): void {
  for (const line of lines) assert.ok(output.includes(line), `demo output lacks "${line}":\n${output}`);
}

describe("scripts/demo.sh: Kong's certificate-bound access token guide with the real http CLI", { skip: HTTPIE_SKIP }, () => {
  let pki: TestPki;
  let idp: Idp;
  let echo: Echo;
  let tether: Tether;
  let env: Record<string, string>;

  before(async () => {
    pki = createPki();
    idp = await startIdp({ pki });
    echo = await startEcho();
    tether = await startTether({ env: { TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath } });
    env = {
      ...demoEnvironment(pki, idp, echo),
      ADMIN: tether.admin,
      PROXY: `https://localhost:${tether.httpsPort}`,
      WAIT: "10",
    };
  });

  after(async () => {
    if (tether) await tether.stop();
    await idp?.stop();
    await echo?.stop();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  test("a fresh Tether answers every step as the guide does, and the script exits 0", async () => {
    const { code, output } = await runDemo(env);
    assert.equal(code, 0, output);
    assertLines(output, [
      "HTTP/1.1 201 Created",
      "✔ create service openid-connect → 201",
      "✔ create route oidc-route → 201",
      "✔ enable tls-handshake-modifier → 201",
      `✔ PUT openid-connect plugin ${PLUGIN_ID} → 200`,
      '"client_id":["cert-bound"]',
      '"auth_methods":["bearer"]',
      '"proof_of_possession_mtls":"strict"',
      `✔ token from ${idp.issuer}/token → 200`,
      "✔ the token is bound to the client certificate",
      "HTTP/1.1 200 OK",
      "✔ right certificate + token → 200",
      "HTTP/1.1 401 Unauthorized",
      'error_description="the client certificate thumbprint does not match the x5t#S256 claim"',
      "✔ another certificate + token → 401",
      'error_description="client certificate was not specified"',
      "✔ no certificate + token → 401",
      "✔ right certificate, no token → 401",
      "Every step answered as in Kong's guide.",
    ]);
    assert.doesNotMatch(output, /✘/);
    // The command lines are printed as a reader would type them, the token as $TOKEN.
    assert.match(output, /\$ http --verify=no --cert=\S+ --cert-key=\S+ -f post https:\/\/localhost:\d+ Authorization:"Bearer \$TOKEN"/);

    // Only the request with the right certificate reached the upstream, with the token.
    assert.equal(echo.requests.length, 1, JSON.stringify(echo.requests));
    assert.match(String(echo.requests[0]!.headers["authorization"]), /^Bearer ey/);

    const plugin = await adminJson(tether, "GET", `/plugins/${PLUGIN_ID}`);
    assert.equal(plugin.status, 200);
    assert.equal(plugin.body.config.issuer, idp.issuer);
    assert.equal(plugin.body.config.proof_of_possession_mtls, "strict");
  });

  test("it can run again on the same Tether: existing entities answer 409 and the service is re-pointed", async () => {
    const { code, output } = await runDemo(env);
    assert.equal(code, 0, output);
    assertLines(output, [
      "HTTP/1.1 409 Conflict",
      "✔ service openid-connect exists → 409",
      "✔ service openid-connect updated → 200",
      "✔ route oidc-route exists → 409",
      "✔ tls-handshake-modifier exists → 409",
      "✔ right certificate + token → 200",
      "✔ another certificate + token → 401",
      "Every step answered as in Kong's guide.",
    ]);
  });

  test("a status that differs from the guide's makes it exit non-zero and say which step", async () => {
    // "Another certificate" that is in fact the bound one: the proxy rightly answers 200.
    const { code, output } = await runDemo({ ...env, OTHER_CERT: env.CLIENT_CERT!, OTHER_KEY: env.CLIENT_KEY! });
    assert.equal(code, 1, output);
    assertLines(output, [
      "✘ another certificate + token → 200, expected 401",
      "1 step(s) did not answer as the guide says:",
      "  - another certificate + token: got 200, expected 401",
    ]);
    assert.doesNotMatch(output, /Every step answered/);
  });
});
