import type { Consumer, Route, Service } from "../entities/types.ts";

/**
 * What one proxied request was, as Kong's log serializer (`kong.log.serialize()`) shapes it: the
 * object file-log writes and http-log sends, field for field. Built once per request, after the
 * response, and only when something reads it. Credentials are already redacted (see
 * proxy/src/log/serialize.ts): what a log plugin gets is safe to write anywhere.
 */
export interface LogEntry {
  request: {
    id: string;
    /** As received, with its query (credential arguments redacted). */
    uri: string;
    url: string;
    querystring: Record<string, string | string[] | true>;
    method: string;
    /** Lower-case names; Authorization, Proxy-Authorization and Cookie are `REDACTED`. */
    headers: Record<string, string | string[]>;
    size: number;
    tls?: { version: string; cipher: string; client_verify: "SUCCESS" | "FAILED" | "NONE" };
  };
  upstream_uri: string;
  /** The upstream's status as a string; `""` when the gateway answered without it (Kong). */
  upstream_status: string;
  response: {
    status: number;
    headers: Record<string, string | string[]>;
    size: number;
  };
  latencies: {
    /** ms spent in the gateway before the upstream was asked (X-Kong-Proxy-Latency), or in all when it answered itself. */
    kong: number;
    /** ms waiting for the upstream's response head; -1 when not proxied. */
    proxy: number;
    /** ms from the request's arrival to the response's end. */
    request: number;
    /** ms from the upstream's response head to its end; 0 when not proxied. */
    receive: number;
  };
  /** Kong's balancer tries; absent when the request never reached the balancer (a plugin answered, no route). */
  tries?: { balancer_start: number; ip: string; port: number; balancer_latency: number; state?: string; code?: number }[];
  route?: Route;
  service?: Service;
  consumer?: Consumer;
  authenticated_entity?: { id: string; consumer_id: string | null };
  client_ip: string;
  /** ms since the epoch. */
  started_at: number;
  /** `upstream` when the upstream's response was sent, `kong` when the gateway answered itself. */
  source: "kong" | "upstream";
  workspace: string;
  workspace_name: "default";
}

/**
 * How a request's certificate binding was decided (RFC 8705), beyond Kong: `match` (bound and
 * matching), `mismatch` (another certificate), `no_certificate` (bound token, no certificate),
 * `claim_missing` (strict, unbound token), `unbound_allowed` (optional, unbound token passed),
 * `not_checked` (proof of possession off).
 */
export type BindingOutcome = "match" | "mismatch" | "no_certificate" | "claim_missing" | "unbound_allowed" | "not_checked";

export type ProofKind = "mtls" | "dpop";

/** Why an authentication plugin refused a token, for the `tether_` counters. */
export type RefusalReason =
  | "no_token"
  | "expired"
  | "bad_signature"
  | "unknown_key"
  | "wrong_issuer"
  | "wrong_audience"
  | "inactive"
  | "scopes"
  | "claims"
  | "binding"
  | "no_certificate"
  | "untrusted_certificate"
  | "revoked"
  | "revocation_unknown"
  | "no_consumer"
  | "malformed"
  /** DPoP (RFC 9449): the proof is missing or invalid; it lacks a valid nonce; it was used before. */
  | "dpop_proof"
  | "dpop_nonce"
  | "dpop_replay"
  | "other";

/** What an authentication plugin decided about a request, for observers (metrics, access log). */
export interface AuthOutcome {
  /** The plugin that decided (`openid-connect`, `mtls-auth`). */
  plugin: string;
  binding?: BindingOutcome;
  /** Which proof of possession decided `binding`: the client certificate (RFC 8705) or a DPoP proof (RFC 9449). */
  proof?: ProofKind;
  refused?: RefusalReason;
}
