import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import type { PluginEnvironment } from "@tether/core";
import { JwksCache } from "./jwks-cache.ts";
import { reportingFetch } from "./idp-requests.ts";

/** What the plugin keeps of an issuer: its discovery document and its keys. */
export interface IssuerState {
  /** Stable id for the Admin API (`/openid-connect/issuers/{id}`), derived from the issuer URL. */
  readonly id: string;
  /** `config.issuer` as configured (the cache key). */
  readonly configured: string;
  /** The `issuer` of the discovery document. */
  readonly issuer: string;
  readonly metadata: oidc.ServerMetadata;
  readonly jwks: JwksCache | undefined;
  /** Host part of the issuer, the `realm` of WWW-Authenticate challenges. */
  readonly realm: string;
  /** First successful discovery (epoch ms): Kong's `created_at`. */
  readonly createdAt: number;
  /** Last successful discovery (epoch ms). */
  readonly fetchedAt: number;
}

/** Kong rediscovers 5 s after a failed discovery (3.8+). */
export const FAILED_RETRY_MS = 5_000;

/**
 * Kong appends `/.well-known/openid-configuration` to `config.issuer` unless it already names a
 * well-known document, so `…/realms/master/` (trailing slash) works as well as `…/realms/master`.
 */
export function discoveryUrl(issuer: string): URL {
  if (/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/.test(issuer)) return new URL(issuer);
  return new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
}

/** A UUID-shaped id derived from the issuer URL, so it is the same across rediscoveries and restarts. */
export function issuerId(configured: string): string {
  const h = createHash("sha256").update(configured).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Discovery results and keys per issuer URL, shared by every plugin instance and snapshot in the
 * process, so an unrelated config change flushes nothing. Concurrent lookups share one fetch.
 * One cache verifies the IdP's TLS certificate, another (for `ssl_verify: false`) does not.
 */
export class IssuerCache {
  private readonly entries = new Map<string, IssuerState>();
  private readonly pending = new Map<string, Promise<IssuerState>>();
  private readonly failures = new Map<string, { at: number; error: Error }>();
  /** Last rediscovery attempt per issuer (success or not): bounds refetches on unknown keys. */
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly env: PluginEnvironment,
    readonly fetch: typeof globalThis.fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached state if any (even stale), for realms and for serving through an IdP outage. */
  peek(issuer: string): IssuerState | undefined {
    return this.entries.get(issuer);
  }

  list(): IssuerState[] {
    return [...this.entries.values()];
  }

  /** Forgets one issuer (by configured URL, discovered issuer or id), or all; true if any was held. */
  delete(key?: string): boolean {
    if (key === undefined) {
      const had = this.entries.size > 0;
      this.entries.clear();
      this.failures.clear();
      this.attempts.clear();
      return had;
    }
    let found = false;
    for (const [configured, state] of this.entries) {
      if (configured === key || state.issuer === key || state.id === key) {
        this.entries.delete(configured);
        this.failures.delete(configured);
        this.attempts.delete(configured);
        found = true;
      }
    }
    return found;
  }

  async get(issuer: string): Promise<IssuerState> {
    const cached = this.entries.get(issuer);
    if (cached) return cached; // Kong keeps discovery without TTL; rediscovery happens on unknown keys
    const failed = this.failures.get(issuer);
    if (failed && this.now() - failed.at < FAILED_RETRY_MS) throw failed.error;
    return this.discover(issuer);
  }

  /**
   * A token's key was not found (or its signature did not verify): rediscover and refetch the
   * keys, at most once per `rediscovery_lifetime` (5 s after a failed attempt), as Kong does.
   * Returns the state to verify again with, or undefined when nothing was refetched. An IdP that
   * cannot be reached leaves the held document and keys in place.
   */
  async refreshKeys(issuer: string, rediscoveryLifetimeSec: number): Promise<IssuerState | undefined> {
    const cached = this.entries.get(issuer);
    const last = this.attempts.get(issuer) ?? cached?.fetchedAt ?? 0;
    const failed = this.failures.get(issuer);
    const wait = failed && failed.at >= last ? Math.min(FAILED_RETRY_MS, rediscoveryLifetimeSec * 1000) : rediscoveryLifetimeSec * 1000;
    if (this.now() - last < wait) return undefined;
    this.attempts.set(issuer, this.now());
    let state: IssuerState;
    try {
      state = await this.discover(issuer);
    } catch {
      if (!cached?.jwks) return undefined;
      state = cached; // discovery is down; the JWKS endpoint may still answer
    }
    if (!state.jwks) return undefined;
    try {
      await state.jwks.refresh();
    } catch {
      return undefined; // logged by the JWKS cache; the held keys keep serving
    }
    return state;
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
          this.failures.set(issuer, { at: this.now(), error: err });
          this.env.log.error("openid-connect discovery failed", { issuer, error: err.message });
          throw err;
        })
        .finally(() => this.pending.delete(issuer));
      this.pending.set(issuer, inflight);
    }
    return inflight;
  }

  private async fetchIssuer(configured: string): Promise<IssuerState> {
    const url = discoveryUrl(configured);
    const insecure = url.protocol === "http:";
    const configuration = await oidc.discovery(url, "tether", undefined, undefined, {
      [oidc.customFetch]: reportingFetch("discovery", this.fetch, this.env.metrics) as oidc.CustomFetch,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 10,
    });
    const metadata = configuration.serverMetadata();
    const previous = this.entries.get(configured);
    // Same jwks_uri: keep the key cache (and its keys, should the JWKS endpoint be down).
    const jwks =
      previous?.jwks && previous.jwks.uri === metadata.jwks_uri
        ? previous.jwks
        : metadata.jwks_uri
          ? new JwksCache(metadata.jwks_uri, reportingFetch("jwks", this.fetch, this.env.metrics), this.env.log)
          : undefined;
    const now = this.now();
    return {
      id: issuerId(configured),
      configured,
      issuer: metadata.issuer,
      metadata,
      jwks,
      realm: new URL(metadata.issuer).hostname,
      createdAt: previous?.createdAt ?? now,
      fetchedAt: now,
    };
  }
}
