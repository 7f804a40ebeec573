// A whole certificate-bound setup: test PKI, the real IdP, an echo upstream and Tether trusting
// the IdP's CA, plus a few Admin API shortcuts. Each test file builds one and tears it down.
import { rmSync } from "node:fs";
import { createPki, type TestPki } from "../fixtures/pki/index.ts";
import { CLIENTS, startIdp, type Idp } from "../fixtures/idp/index.ts";
import { startEcho, type Echo } from "../fixtures/upstream/index.ts";
import { tlsRequest } from "./clients.ts";
import { adminJson, startTether, waitFor, type StartOptions, type Tether } from "./tether.ts";

export interface Scenario {
  pki: TestPki;
  idp: Idp;
  echo: Echo;
  tether: Tether;
  /** A bound (cnf.x5t#S256) token for the given certificate, or an unbound one without a cert. */
  token(opts?: { cert?: TestPki["clients"]["alice"]; bound?: boolean; resource?: string }): Promise<string>;
  /** Creates service + route (paths [path]) + tls-handshake-modifier + openid-connect with `config`. */
  protect(path: string, config: Record<string, unknown>): Promise<{ serviceId: string; pluginId: string }>;
  stop(): Promise<void>;
}

export async function startScenario(options: StartOptions = {}): Promise<Scenario> {
  const pki = createPki();
  const idp = await startIdp({ pki });
  const echo = await startEcho();
  let tether: Tether;
  try {
    tether = await startTether({ ...options, env: { TETHER_TRUSTED_CERTIFICATE: pki.ca.certPath, ...options.env } });
  } catch (error) {
    await Promise.all([idp.stop(), echo.stop()]);
    rmSync(pki.dir, { recursive: true, force: true });
    throw error;
  }
  let n = 0;
  return {
    pki,
    idp,
    echo,
    tether,
    async token({ cert, bound = true, resource } = {}) {
      const client = bound ? CLIENTS.certBound : CLIENTS.unbound;
      const res = await idp.token({ ...client, ...(cert ? { cert } : {}), ...(resource ? { resource } : {}) });
      if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.access_token as string;
    },
    async protect(path, config) {
      n += 1;
      const svc = await adminJson(tether, "POST", "/services", { name: `svc-${n}`, url: echo.url });
      if (svc.status !== 201) throw new Error(`service: ${svc.status} ${JSON.stringify(svc.body)}`);
      const route = await adminJson(tether, "POST", `/services/svc-${n}/routes`, { paths: [path], strip_path: false });
      if (route.status !== 201) throw new Error(`route: ${route.status} ${JSON.stringify(route.body)}`);
      const thm = await adminJson(tether, "POST", `/services/svc-${n}/plugins`, { name: "tls-handshake-modifier" });
      if (thm.status !== 201) throw new Error(`tls-handshake-modifier: ${thm.status} ${JSON.stringify(thm.body)}`);
      const oidc = await adminJson(tether, "POST", `/services/svc-${n}/plugins`, {
        name: "openid-connect",
        config: { issuer: idp.issuer, auth_methods: ["bearer"], ...config },
      });
      if (oidc.status !== 201) throw new Error(`openid-connect: ${oidc.status} ${JSON.stringify(oidc.body)}`);
      return { serviceId: svc.body.id as string, pluginId: oidc.body.id as string };
    },
    async stop() {
      await tether.stop();
      await idp.stop();
      await echo.stop();
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the proxy (every worker) enforces every Admin API write made so far (GET /status). */
export async function untilApplied(tether: Tether, timeoutMs = 5_000): Promise<void> {
  await waitFor(async () => {
    const { configuration } = (await adminJson(tether, "GET", "/status")).body as { configuration: { version: number; applied_version: number } };
    return configuration.applied_version >= configuration.version;
  }, timeoutMs);
}

/** untilApplied, then `path` must be routed (one request to it, without credentials). */
export async function untilRouted(tether: Tether, path: string): Promise<void> {
  await untilApplied(tether);
  if ((await tlsRequest({ port: tether.httpsPort, path })).status === 404) throw new Error(`${path} is not routed`);
}
