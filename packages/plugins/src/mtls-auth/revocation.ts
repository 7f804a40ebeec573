/**
 * Revocation status of a verified leaf, as Kong's mtls-auth asks for it: OCSP when the
 * certificate names a responder, else (or when OCSP cannot answer) its CRL distribution points.
 * "unknown" when neither can answer; `revocation_check_mode` decides what that means.
 *
 * Answers are cached for `cert_cache_ttl` seconds (Kong passes it to its cache as seconds), but
 * never past the evidence's own nextUpdate, and only definite answers: a responder that is down
 * is asked again on the next request. Kong keys its cache by subject DN; here the key is the
 * certificate itself, so a new certificate with a revoked one's DN is not judged by the old one.
 * Fetched CRLs are kept per URL on the same terms, so certificates sharing a CRL share a fetch.
 * The caches hang off the plugin environment and outlive configuration snapshots.
 */
import { createHash } from "node:crypto";
import type { PluginEnvironment } from "@tether/core";
import { crlDistributionUris, ocspUris, type ParsedCertificate } from "./certificate.ts";
import { checkCrl, parseCrl, type Crl } from "./crl.ts";
import { buildOcspRequest, evaluateOcspResponse } from "./ocsp.ts";
import { TtlCache } from "./ttl-cache.ts";

export type RevocationStatus = "good" | "revoked" | "unknown";

export interface RevocationSettings {
  readonly timeoutMs: number;
  readonly cacheTtlSec: number;
  /** false: fetch https CRL/OCSP URLs without verifying the server (`ssl_verify: false`). */
  readonly sslVerify: boolean;
}

/** CRLs of large CAs run to megabytes; anything past this is not a CRL we should parse per request. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function fetchBytes(fetchFn: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<Buffer> {
  const res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${url} answered ${res.status}`);
  }
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) {
    await res.body?.cancel();
    throw new Error(`${url} answered with ${declared} bytes`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BODY_BYTES) throw new Error(`${url} answered with ${body.length} bytes`);
  return body;
}

const message = (error: unknown): string => String((error as Error)?.message ?? error);

export class RevocationChecker {
  private readonly results = new TtlCache<"good" | "revoked">(10_000);
  private readonly crls = new TtlCache<Crl>(256);
  private readonly pending = new Map<string, Promise<RevocationStatus>>();

  constructor(private readonly env: PluginEnvironment) {}

  /** `issuer` is the certificate that issued `leaf` on the verified path (undefined: the leaf is the anchor). */
  status(leaf: ParsedCertificate, issuer: ParsedCertificate | undefined, settings: RevocationSettings): Promise<RevocationStatus> {
    const key = createHash("sha256").update(leaf.der).digest("hex");
    const cached = this.results.get(key, Date.now());
    if (cached) return Promise.resolve(cached);
    let running = this.pending.get(key);
    if (!running) {
      running = this.lookup(key, leaf, issuer, settings).finally(() => this.pending.delete(key));
      this.pending.set(key, running);
    }
    return running;
  }

  private remember(key: string, status: "good" | "revoked", settings: RevocationSettings, nextUpdate: number | undefined): void {
    const expiresAt = Math.min(Date.now() + settings.cacheTtlSec * 1000, nextUpdate ?? Infinity);
    this.results.set(key, status, expiresAt);
  }

  private async lookup(key: string, leaf: ParsedCertificate, issuer: ParsedCertificate | undefined, settings: RevocationSettings): Promise<RevocationStatus> {
    if (!issuer) return "unknown";
    const fetchFn = settings.sslVerify ? this.env.fetch : this.env.unverifiedFetch;
    for (const url of ocspUris(leaf)) {
      try {
        const body = await fetchBytes(
          fetchFn,
          url,
          { method: "POST", headers: { "content-type": "application/ocsp-request", accept: "application/ocsp-response" }, body: buildOcspRequest(leaf, issuer) },
          settings.timeoutMs,
        );
        const answer = evaluateOcspResponse(body, leaf, issuer, Date.now());
        this.remember(key, answer.status, settings, answer.nextUpdate);
        return answer.status;
      } catch (error) {
        this.env.log.warn("mtls-auth: OCSP verify failed", { url, error: message(error) });
      }
    }
    for (const url of crlDistributionUris(leaf)) {
      try {
        const crl = await this.crl(url, fetchFn, settings);
        const status = checkCrl(crl, leaf, issuer, Date.now());
        this.remember(key, status, settings, crl.nextUpdate);
        return status;
      } catch (error) {
        this.crls.delete(url); // a CRL that cannot answer is fetched again next time
        this.env.log.warn("mtls-auth: CRL verify failed", { url, error: message(error) });
      }
    }
    return "unknown";
  }

  private async crl(url: string, fetchFn: typeof fetch, settings: RevocationSettings): Promise<Crl> {
    const cached = this.crls.get(url, Date.now());
    if (cached) return cached;
    const crl = parseCrl(await fetchBytes(fetchFn, url, { method: "GET" }, settings.timeoutMs));
    this.crls.set(url, crl, Math.min(Date.now() + settings.cacheTtlSec * 1000, crl.nextUpdate ?? Infinity));
    return crl;
  }
}

const checkers = new WeakMap<PluginEnvironment, RevocationChecker>();

/** One checker (and so one cache) per process environment, shared by every snapshot. */
export function revocationCheckerFor(env: PluginEnvironment): RevocationChecker {
  let checker = checkers.get(env);
  if (!checker) {
    checker = new RevocationChecker(env);
    checkers.set(env, checker);
  }
  return checker;
}
