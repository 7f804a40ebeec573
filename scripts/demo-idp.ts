// The test IdP (oidc-provider, issuing certificate-bound tokens) and an echo upstream, standalone,
// so scripts/demo.sh can run without Docker:
//
//   terminal 1:  node --import tsx scripts/demo-idp.ts
//   terminal 2:  TETHER_TRUSTED_CERTIFICATE=<ca printed by terminal 1> npm start
//   terminal 3:  source <env file printed by terminal 1> && scripts/demo.sh
//
// IDP_PORT fixes the IdP's port (default: any free port). Ctrl-C stops both and removes the
// certificates it made.
import fs from "node:fs";
import path from "node:path";
import { demoEnvironment } from "../test/fixtures/demo-env.ts";
import { startIdp } from "../test/fixtures/idp/index.ts";
import { createPki } from "../test/fixtures/pki/index.ts";
import { startEcho } from "../test/fixtures/upstream/index.ts";

const port = process.env["IDP_PORT"] ? Number(process.env["IDP_PORT"]) : undefined;
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
  console.error(`IDP_PORT: expected a port number, got '${process.env["IDP_PORT"]}'`);
  process.exit(1);
}

const pki = createPki();
const idp = await startIdp({ pki, ...(port !== undefined ? { port } : {}) });
const echo = await startEcho();

const env = demoEnvironment(pki, idp, echo);
const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
const exports = Object.entries(env).map(([key, value]) => `export ${key}=${quote(value)}`).join("\n");
const envFile = path.join(pki.dir, "demo.env");
fs.writeFileSync(envFile, `${exports}\n`);

console.log(`Test IdP:       ${idp.issuer} (client cert-bound, tokens bound to the client certificate)
Echo upstream:  ${echo.url}

Start Tether so it trusts the IdP's certificate (another terminal, in the repository):

  TETHER_TRUSTED_CERTIFICATE=${quote(pki.ca.certPath)} npm start

Then run the guide (a third terminal):

  source ${quote(envFile)} && scripts/demo.sh

or set these yourself:

${exports}

Ctrl-C stops the IdP and the upstream.`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([idp.stop(), echo.stop()]);
  fs.rmSync(pki.dir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
