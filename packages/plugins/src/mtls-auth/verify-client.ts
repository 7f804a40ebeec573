/**
 * "Is this client certificate trusted?" as mtls-auth answers it (reference 4.3 steps 3-4): the
 * leaf and the intermediates that came with it are chained to one of the configured CA
 * certificates, then checked for revocation under `revocation_check_mode`. Shared by mtls-auth
 * (certificate from the TLS connection) and openid-connect's `proof_of_possession_mtls_from_header`
 * (certificate from a TLS terminator's header), so both believe exactly the same certificates.
 */
import { createHash } from "node:crypto";
import type { ClientCertificate, ConfigView, PluginEnvironment, RefusalReason } from "@tether/core";
import { ExpiringLru } from "../cache/expiring-lru.ts";
import { parseCertificate, type ParsedCertificate } from "./certificate.ts";
import { revocationCheckerFor, type RevocationSettings } from "./revocation.ts";
import type { MtlsAuthRevocationCheckMode } from "./schema.ts";
import { buildTrustStore, type TrustAnchor } from "./trust-store.ts";
import { verifyChain } from "./verify-chain.ts";

/** The config fields (same names in both plugins) that say which certificates are believed. */
export interface ClientVerifyConfig {
  ca_certificates: readonly string[];
  allow_partial_chain?: boolean | null;
  revocation_check_mode?: MtlsAuthRevocationCheckMode | null;
  http_timeout?: number | null;
  cert_cache_ttl?: number | null;
  ssl_verify?: boolean | null;
}

export type ClientVerdict =
  | { readonly kind: "trusted"; readonly leaf: ParsedCertificate; readonly anchor: TrustAnchor }
  | { readonly kind: "failed"; readonly reason: string; readonly refusal: RefusalReason }
  /** The configuration cannot be used (a CA id that does not exist): Kong answers 500. */
  | { readonly kind: "error"; readonly reason: string };

export interface ClientVerifier {
  /** Why the configuration cannot verify anything (checked before a certificate is even looked for). */
  readonly configError: string | undefined;
  verify(presented: ClientCertificate): Promise<ClientVerdict>;
}

interface Parsed {
  leaf: ParsedCertificate;
  chain: ParsedCertificate[];
}

/**
 * Parsed certificates per ClientCertificate object (the proxy hands out one per connection, so
 * keep-alive requests parse once), and per content across connections: parsing a leaf and its
 * chain with pkijs costs ~1.4 ms (scripts/bench/cert-parsing.ts), which a client that reconnects
 * should pay once, not per connection. The content key is the leaf's SHA-256 thumbprint plus the
 * SHA-256 of the chain it came with; parsed certificates are read-only, so sharing them is safe.
 */
const parsedByConnection = new WeakMap<ClientCertificate, Parsed | Error>();
const PARSED_CACHE_ENTRIES = 1_000;
const PARSED_CACHE_TTL_MS = 60 * 60 * 1000;
const parsedByContent = new ExpiringLru<Parsed | Error>(PARSED_CACHE_ENTRIES);

function contentKey(presented: ClientCertificate, chain: readonly Buffer[]): string {
  if (chain.length === 0) return presented.thumbprint;
  const digest = createHash("sha256");
  for (const der of chain) digest.update(der);
  return `${presented.thumbprint}.${digest.digest("base64url")}`;
}

function parsePresented(presented: ClientCertificate): Parsed | Error {
  let parsed = parsedByConnection.get(presented);
  if (parsed) return parsed;
  const chainDers = presented.presentedChain?.() ?? [];
  const key = contentKey(presented, chainDers);
  parsed = parsedByContent.get(key);
  if (!parsed) {
    try {
      parsed = { leaf: parseCertificate(presented.der), chain: parseChain(chainDers) };
    } catch (error) {
      parsed = error instanceof Error ? error : new Error(String(error));
    }
    parsedByContent.set(key, parsed, Date.now() + PARSED_CACHE_TTL_MS);
  }
  parsedByConnection.set(presented, parsed);
  return parsed;
}

function parseChain(ders: readonly Buffer[]): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  for (const der of ders) {
    try {
      out.push(parseCertificate(der));
    } catch {
      // An intermediate we cannot read cannot help build a path; the leaf may not need it.
    }
  }
  return out;
}

/**
 * A verifier for one plugin instance: the trust store is built once (per configuration snapshot),
 * the revocation cache is the process's (shared by every instance and snapshot).
 */
export function clientVerifier(config: ClientVerifyConfig, env: PluginEnvironment, view: ConfigView, plugin: string): ClientVerifier {
  const store = buildTrustStore(config.ca_certificates, view);
  if (!store.ok) env.log.error(`${plugin}: trust store cannot be built; requests will get 500`, { error: store.error });
  const revocation = revocationCheckerFor(env);
  const mode = config.revocation_check_mode ?? "IGNORE_CA_ERROR";
  const settings: RevocationSettings = {
    timeoutMs: config.http_timeout ?? 30_000,
    cacheTtlSec: config.cert_cache_ttl ?? 60_000,
    sslVerify: config.ssl_verify !== false,
  };
  const failed = (reason: string, refusal: RefusalReason): ClientVerdict => ({ kind: "failed", reason, refusal });

  const verify = async (presented: ClientCertificate): Promise<ClientVerdict> => {
    if (!store.ok) return { kind: "error", reason: store.error };
    const parsed = parsePresented(presented);
    if (parsed instanceof Error) return failed(`unreadable certificate: ${parsed.message}`, "untrusted_certificate");
    const chain = verifyChain(parsed.leaf, parsed.chain, store.anchors, { allowPartialChain: config.allow_partial_chain === true, now: Date.now() });
    if (!chain.ok) return failed(chain.reason, "untrusted_certificate");

    if (mode !== "SKIP") {
      const status = await revocation.status(parsed.leaf, chain.path[1], settings);
      if (status === "revoked") return failed("certificate revoked", "revoked");
      if (status === "unknown") {
        if (mode === "STRICT") return failed("fail to check revocation", "revocation_unknown");
        env.log.info(`${plugin}: fail to check revocation. Ignored this as \`revocation_check_mode\` is \`IGNORE_CA_ERROR\`.`);
      }
    }
    return { kind: "trusted", leaf: parsed.leaf, anchor: chain.anchor };
  };
  return { configError: store.ok ? undefined : store.error, verify };
}
