import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Logger } from "@tether/core";

/** Keys older than this are refreshed in the background, so a key the IdP withdrew stops working. */
export const JWKS_MAX_AGE_MS = 600_000;
/** After a failed fetch, wait this long before the next attempt (Kong's rediscovery-after-failure). */
export const JWKS_FAILURE_RETRY_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;

/**
 * An issuer's signing keys, kept across IdP outages. Unlike jose's `createRemoteJWKSet`, a failed
 * refresh never drops the keys already held (jose's cache, once older than `cacheMaxAge`, refuses
 * every token while the IdP is down), and failed attempts count for the retry delay, so an outage
 * does not turn every unknown-`kid` token into a fetch. One fetch at a time (single flight).
 * Refetch on an unknown `kid` is decided by the caller (`IssuerCache.refreshKeys`), which bounds it
 * by `rediscovery_lifetime` as Kong does.
 */
export class JwksCache {
  private local: { set: JSONWebKeySet; getKey: JWTVerifyGetKey; fetchedAt: number } | undefined;
  private pending: Promise<void> | undefined;
  private lastFailure: { at: number; error: Error } | undefined;
  /**
   * Bumped whenever a fetch brings a different key set: part of the verified-token cache key, so
   * a token verified with a key the IdP has since withdrawn is verified again (and refused).
   */
  generation = 0;

  constructor(
    readonly uri: string,
    private readonly fetch: typeof globalThis.fetch,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The keys as last fetched (for the Admin API), or undefined before the first fetch. */
  keys(): JSONWebKeySet | undefined {
    return this.local?.set;
  }

  /** When the keys were last fetched successfully (epoch ms), or undefined. */
  get fetchedAt(): number | undefined {
    return this.local?.fetchedAt;
  }

  /** jose key resolver: the held keys (fetched on first use), refreshed in the background when old. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.local) await this.refresh();
    const local = this.local;
    if (!local) throw new errors.JWKSNoMatchingKey("no keys could be fetched");
    if (this.now() - local.fetchedAt > JWKS_MAX_AGE_MS) void this.refresh().catch(() => undefined);
    return local.getKey(header, token);
  };

  /**
   * Fetches the key set again; concurrent callers share one fetch. On failure the old keys stay
   * and the error is logged and rethrown; within JWKS_FAILURE_RETRY_MS of a failure the same
   * error is rethrown without a fetch.
   */
  refresh(): Promise<void> {
    if (this.pending) return this.pending;
    const failed = this.lastFailure;
    if (failed && this.now() - failed.at < JWKS_FAILURE_RETRY_MS) return Promise.reject(failed.error);
    this.pending = this.load()
      .then(
        (set) => {
          if (JSON.stringify(set) !== JSON.stringify(this.local?.set)) this.generation += 1;
          this.local = { set, getKey: createLocalJWKSet(set), fetchedAt: this.now() };
          this.lastFailure = undefined;
        },
        (error: unknown) => {
          const err = error instanceof Error ? error : new Error(String(error));
          this.lastFailure = { at: this.now(), error: err };
          this.log.error("openid-connect: fetching the issuer's keys failed; keeping the keys held", {
            jwks_uri: this.uri,
            keys_held: this.local?.set.keys.length ?? 0,
            error: err.message,
          });
          throw err;
        },
      )
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<JSONWebKeySet> {
    const response = await this.fetch(this.uri, {
      headers: { accept: "application/jwk-set+json, application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (response.status !== 200) throw new Error(`JWKS endpoint answered ${response.status}`);
    const body = (await response.json()) as unknown;
    if (!isKeySet(body)) throw new Error("JWKS endpoint did not return a JSON Web Key Set");
    return body;
  }
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { keys?: unknown }).keys) &&
    (value as { keys: unknown[] }).keys.every((k) => typeof k === "object" && k !== null)
  );
}
