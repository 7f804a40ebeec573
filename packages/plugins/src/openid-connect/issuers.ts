import * as oidc from "openid-client";
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from "jose";
import type { PluginEnvironment } from "@tether/core";

/** What the plugin keeps of an issuer: its discovery document and a JWKS fetcher. */
export interface IssuerState {
  readonly issuer: string;
  readonly metadata: oidc.ServerMetadata;
  readonly jwks: JWTVerifyGetKey | undefined;
  /** Host part of the issuer, the `realm` of WWW-Authenticate challenges. */
  readonly realm: string;
  readonly fetchedAt: number;
}

const FAILED_RETRY_MS = 5_000; // Kong rediscovers 5 s after a failed discovery

/**
 * Kong appends `/.well-known/openid-configuration` to `config.issuer` unless it already names a
 * well-known document, so `…/realms/master/` (trailing slash) works as well as `…/realms/master`.
 */
export function discoveryUrl(issuer: string): URL {
  if (/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/.test(issuer)) return new URL(issuer);
  return new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
}

/**
 * Discovery results and JWKS per issuer URL, shared by every plugin instance and snapshot in the
 * process, so an unrelated config change flushes nothing. Concurrent lookups share one fetch.
 * One cache verifies the IdP's TLS certificate, another (for `ssl_verify: false`) does not.
 */
export class IssuerCache {
  private readonly entries = new Map<string, IssuerState>();
  private readonly pending = new Map<string, Promise<IssuerState>>();
  private readonly failures = new Map<string, { at: number; error: Error }>();

  constructor(
    private readonly env: PluginEnvironment,
    private readonly fetch: typeof globalThis.fetch,
  ) {}

  /** The cached state if any (even stale), for realms and for serving through an IdP outage. */
  peek(issuer: string): IssuerState | undefined {
    return this.entries.get(issuer);
  }

  async get(issuer: string): Promise<IssuerState> {
    const cached = this.entries.get(issuer);
    if (cached) return cached; // Kong keeps discovery without TTL; rediscovery happens on unknown keys
    const failed = this.failures.get(issuer);
    if (failed && Date.now() - failed.at < FAILED_RETRY_MS) throw failed.error;
    return this.discover(issuer);
  }

  /** Refetches the discovery document, at most once per `rediscovery_lifetime`. */
  async rediscover(issuer: string, rediscoveryLifetimeSec: number): Promise<IssuerState | undefined> {
    const cached = this.entries.get(issuer);
    if (cached && Date.now() - cached.fetchedAt < rediscoveryLifetimeSec * 1000) return cached;
    try {
      return await this.discover(issuer);
    } catch {
      return cached;
    }
  }

  private discover(issuer: string): Promise<IssuerState> {
    let inflight = this.pending.get(issuer);
    if (!inflight) {
      inflight = this.fetchIssuer(issuer)
        .then((state) => {
          this.entries.set(issuer, state);
          this.failures.delete(issuer);
          return state;
        })
        .catch((error: unknown) => {
          const err = error instanceof Error ? error : new Error(String(error));
          this.failures.set(issuer, { at: Date.now(), error: err });
          this.env.log.error("openid-connect discovery failed", { issuer, error: err.message });
          throw err;
        })
        .finally(() => this.pending.delete(issuer));
      this.pending.set(issuer, inflight);
    }
    return inflight;
  }

  private async fetchIssuer(issuer: string): Promise<IssuerState> {
    const url = discoveryUrl(issuer);
    const insecure = url.protocol === "http:";
    const configuration = await oidc.discovery(url, "tether", undefined, undefined, {
      [oidc.customFetch]: this.fetch as oidc.CustomFetch,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 10,
    });
    const metadata = configuration.serverMetadata();
    const jwks = metadata.jwks_uri
      ? createRemoteJWKSet(new URL(metadata.jwks_uri), {
          [customFetch]: this.fetch,
          cooldownDuration: 30_000,
          cacheMaxAge: 600_000,
          timeoutDuration: 5_000,
        })
      : undefined;
    return { issuer: metadata.issuer, metadata, jwks, realm: new URL(metadata.issuer).hostname, fetchedAt: Date.now() };
  }
}

const caches = new WeakMap<PluginEnvironment, { verified: IssuerCache; unverified: IssuerCache }>();

export function issuerCacheFor(env: PluginEnvironment, sslVerify: boolean): IssuerCache {
  let pair = caches.get(env);
  if (!pair) {
    pair = { verified: new IssuerCache(env, env.fetch), unverified: new IssuerCache(env, env.unverifiedFetch) };
    caches.set(env, pair);
  }
  return sslVerify ? pair.verified : pair.unverified;
}
