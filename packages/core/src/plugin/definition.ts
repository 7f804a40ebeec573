import type { IncomingHttpHeaders } from "node:http";
import type { CaCertificate, Certificate, Consumer, Key, MtlsAuthCredential, RouteProtocol } from "../entities/types.ts";
import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import type { AuthOutcome, LogEntry } from "./log-entry.ts";

/** base64url(SHA-256(DER of the leaf certificate)), no padding: RFC 8705's `x5t#S256`. */
export type Thumbprint = string & { readonly __brand: "Thumbprint" };

/** The client certificate presented on the TLS connection, read once per connection. */
export interface ClientCertificate {
  readonly der: Buffer;
  readonly thumbprint: Thumbprint;
  /**
   * DER of the certificates that came with the leaf (its intermediates), issuer order, leaf
   * excluded; read with the leaf, once per connection. Untrusted input: the proxy may have
   * completed the chain from Node's default root store, so only a verifier decides what anchors.
   * Optional so that test doubles and other producers need not provide it (absent = none sent).
   */
  presentedChain?(): readonly Buffer[];
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A response a plugin ends the request with (Kong's `kong.response.exit`). */
export interface PluginResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What a plugin sees of a request in the access phase, and what it may change upstream. */
export interface AccessContext {
  readonly method: string;
  readonly scheme: "http" | "https";
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Raw header lines as received (name, value, name, value…): duplicates are visible here. */
  readonly rawHeaders: readonly string[];
  readonly serverName: string | undefined;
  /** The client certificate of this connection, or undefined when none was presented. */
  clientCertificate(): ClientCertificate | undefined;
  /**
   * True when the immediate peer is one of the node's `trusted_ips` (a TLS terminator whose
   * headers may be believed). Optional for test doubles: absent means not trusted.
   */
  readonly peerTrusted?: boolean;
  setUpstreamHeader(name: string, value: string): void;
  removeUpstreamHeader(name: string): void;
  /** Drops every `name=` argument from the query string sent upstream (e.g. `hide_credentials`). */
  removeUpstreamQueryArg(name: string): void;
  /**
   * The request body, buffered (read at most once; later calls return the same bytes), or
   * undefined when it is larger than `limit` bytes. Once read, the proxy forwards the buffered
   * bytes (or what `setUpstreamBody` put in their place) instead of the socket stream.
   */
  readBody(limit: number): Promise<Buffer | undefined>;
  /** Replaces the body sent upstream (Content-Length follows); only after `readBody` returned it. */
  setUpstreamBody(body: Buffer): void;
  /**
   * Sets a header on the response the client gets, whether the upstream answers or a plugin ends
   * the request (Kong's `kong.response.set_header` in the access phase). A second call for the
   * same name replaces what plugins set before. `Set-Cookie` values are added to the upstream's
   * own cookies (a session cookie must not cost the application its cookies); any other name
   * replaces the upstream's header.
   */
  setResponseHeader(name: string, value: string | readonly string[]): void;
  /** Set by an authentication plugin; later plugins (and `anonymous` logic) read it. */
  authenticated: Authentication | undefined;
  /** Set by an authentication plugin: how it decided (binding outcome, refusal reason), for metrics and logs. */
  authOutcome: AuthOutcome | undefined;
}

/** Who an authentication plugin decided the caller is (Kong's `kong.client.authenticate`). */
export interface Authentication {
  consumer: Consumer | undefined;
  /** Identifier of the credential used (e.g. the token's `sub`), for X-Credential-Identifier. */
  credential: string | undefined;
  /** True when the request proceeds as the `anonymous` consumer after a failed authentication. */
  anonymous: boolean;
}

/**
 * The parts of the configuration snapshot plugins may read: consumers, CA certificates and
 * credentials, indexed once per snapshot, so a request never queries the store.
 */
export interface ConfigView {
  consumer(by: "id" | "username" | "custom_id", value: string, ignoreCase?: boolean): Consumer | undefined;
  caCertificate(id: string): CaCertificate | undefined;
  /** A Certificate entity (cert + key), e.g. the one the gateway presents to an IdP over mutual TLS. */
  certificate(id: string): Certificate | undefined;
  mtlsCredentials(subjectName: string): readonly MtlsAuthCredential[];
  /** The keys of a key set named by id or name (oldest first, vault references resolved); undefined when there is no such set. */
  keySet(idOrName: string): readonly Key[] | undefined;
}

export interface PluginHandler {
  access?(ctx: AccessContext): Promise<PluginResponse | undefined> | PluginResponse | undefined;
  /**
   * Runs instead of `access` when the request's protocol is not one of the instance's (e.g. plain
   * http on a route that also takes https): for what must hold on every request of the route,
   * such as removing headers that only the plugin may vouch for. Cannot answer the request.
   */
  outOfScope?(ctx: AccessContext): void;
  /**
   * Kong's log phase: after the response went out (or the client went away). Must not throw nor
   * block: anything slow (a network send) is queued and done in the background.
   */
  log?(entry: LogEntry, auth: AuthOutcome | undefined): void;
}

/** A call to the identity provider, for the `tether_idp_*` metrics. */
export type IdpRequestKind = "discovery" | "jwks" | "introspection" | "token";

/** What plugins report for the `tether_` metrics (the host decides where it goes). */
export interface PluginMetrics {
  /** A verified-token cache lookup: `hit` skipped a signature check, `miss` did one. */
  tokenCache(result: "hit" | "miss"): void;
  /** One request to the IdP: `error` when it failed or did not answer 2xx. */
  idpRequest(kind: IdpRequestKind, outcome: "ok" | "error", seconds: number): void;
}

/** Process-wide services a plugin may use; plugin state that outlives snapshots hangs off these. */
export interface PluginEnvironment {
  /** Counters and timings for the `tether_` metrics; absent: nothing is recorded. */
  readonly metrics?: PluginMetrics;
  /** fetch for outbound calls (discovery, JWKS, introspection) trusting the configured CAs. */
  readonly fetch: typeof fetch;
  /** fetch that does not verify the server's certificate: only for an explicit `ssl_verify: false`. */
  readonly unverifiedFetch: typeof fetch;
  /**
   * fetch presenting a client certificate (mutual TLS to an IdP, RFC 8705 client authentication),
   * verifying the server as `fetch` does, or not at all when `verify` is false. Each call opens a
   * new connection pool: build one per snapshot and certificate, never per request.
   */
  clientCertificateFetch(credentials: { readonly cert: string; readonly key: string }, verify: boolean): typeof fetch;
  /**
   * The CAs (PEM) the node trusts beyond the system ones, as `fetch` does (`trusted_certificate`,
   * Kong's lua_ssl_trusted_certificate); the proxy's too, for a service's `tls_verify` without
   * `ca_certificates`. Absent or empty: the system CAs alone.
   */
  readonly trustedCertificates?: readonly string[];
  /** The node's `vault_env_prefix` (Kong's): the env vault's default prefix, used where references resolve. */
  readonly vaultEnvPrefix?: string;
  readonly log: Logger;
  /**
   * 32 random bytes made once per installation (`<prefix>/secrets/session.key`, by the primary
   * before any worker starts), so every worker and every restart derives the same keys: what a
   * plugin encrypts with it (session cookies without a configured `session_secret`) stays
   * readable across the cluster. Absent when the host did not provide one; a plugin then falls
   * back to a per-process secret.
   */
  readonly installationSecret?: Buffer;
}

/** Which configured instance a handler serves: the plugin entity's id, stable across snapshots. */
export interface PluginInstanceInfo {
  readonly id: string;
}

/** A plugin as Kong keeps one: schema beside handler, with a priority that orders the access phase. */
export interface PluginDefinition<Config = Record<string, unknown>> {
  readonly name: string;
  readonly version: string;
  readonly priority: number;
  readonly configSchema: RecordSchema;
  readonly protocols: { readonly default: readonly RouteProtocol[]; readonly allowed: readonly RouteProtocol[] };
  /** Auth plugins cannot be scoped to a consumer (`consumer` must be null). */
  readonly consumerScopable: boolean;
  /** Asks for the client certificate in the TLS handshake for the SNIs the instance applies to. */
  readonly requestsClientCertificate: boolean;
  /**
   * Record-level check, reported on `config` as Kong does (e.g. the PoP auth-methods rule): a
   * string is the message on `config`, field errors go under it (`{headers: "cannot contain 'Host' header"}`).
   */
  checkConfig?(config: Config): string | FieldErrors | undefined;
  /** Called once per snapshot: build what can be built ahead (trust stores, indexes) here. */
  createHandler(config: Config, env: PluginEnvironment, view: ConfigView, instance: PluginInstanceInfo): PluginHandler;
}
