import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import type { PluginEnvironment } from "@tether/core";
import type { TetherConfig } from "./config/load.ts";
import { ConfigError } from "./config/listen.ts";

/**
 * The proxy's default server certificate: the configured one, else a self-signed one made on
 * first start and kept in the prefix (so clients that pin it keep working across restarts).
 */
export function serverCertificate(config: TetherConfig): { cert: string; key: string } {
  if (config.ssl_cert && config.ssl_cert_key) {
    try {
      return { cert: readFileSync(config.ssl_cert, "utf8"), key: readFileSync(config.ssl_cert_key, "utf8") };
    } catch (error) {
      throw new ConfigError(`ssl_cert: cannot read certificate or key (${(error as Error).message})`);
    }
  }
  const dir = join(config.prefix, "ssl");
  const certPath = join(dir, "tether-default.crt");
  const keyPath = join(dir, "tether-default.key");
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", keyPath, "-out", certPath],
      { stdio: "ignore" },
    );
    chmodSync(keyPath, 0o600);
  }
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}

type OutboundFetch = Pick<PluginEnvironment, "fetch" | "unverifiedFetch" | "clientCertificateFetch" | "trustedCertificates">;

/**
 * fetch for outbound TLS (discovery, JWKS, introspection) trusting the system CAs plus the
 * `trusted_certificate` files, as Kong's lua_ssl_trusted_certificate does; the same trust when
 * the gateway presents a client certificate (mutual TLS client authentication to an IdP), and
 * those files' CAs for the proxy's upstream verification.
 */
export function outboundFetch(config: TetherConfig): OutboundFetch {
  const extra = config.trusted_certificate.filter((f) => f !== "system").map((f) => readFileSync(f, "utf8"));
  const trust = extra.length ? { ca: [...rootCertificates, ...extra] } : {};
  const through = (dispatcher: Agent): typeof fetch =>
    ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return {
    trustedCertificates: extra,
    fetch: extra.length ? through(new Agent({ connect: trust, keepAliveTimeout: 30_000 })) : fetch,
    unverifiedFetch: through(new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 30_000 })),
    // Idle connections close soon: a replaced snapshot's pool must not linger.
    clientCertificateFetch: ({ cert, key }, verify) =>
      through(new Agent({ connect: { cert, key, ...(verify ? trust : { rejectUnauthorized: false }) }, keepAliveTimeout: 4_000 })),
  };
}
