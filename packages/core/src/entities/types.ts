/** The domain: entities as the store keeps them and the Admin API returns them (Kong 3.x fields). */
import type { Vault } from "../vault/vault-entity.ts";

export type Uuid = string;
export type Timestamp = number; // unix seconds, as Kong keeps created_at/updated_at

export interface ForeignRef {
  id: Uuid;
}

export interface BaseEntity {
  id: Uuid;
  created_at: Timestamp;
  updated_at: Timestamp;
  tags: string[] | null;
}

export type ServiceProtocol = "grpc" | "grpcs" | "http" | "https" | "tcp" | "tls" | "tls_passthrough" | "udp";
export type RouteProtocol = ServiceProtocol;

export interface Service extends BaseEntity {
  name: string | null;
  protocol: ServiceProtocol;
  host: string;
  port: number;
  path: string | null;
  retries: number;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  client_certificate: ForeignRef | null;
  tls_verify: boolean | null;
  tls_verify_depth: number | null;
  ca_certificates: Uuid[] | null;
  enabled: boolean;
}

export interface Route extends BaseEntity {
  name: string | null;
  protocols: RouteProtocol[];
  methods: string[] | null;
  hosts: string[] | null;
  paths: string[] | null;
  headers: Record<string, string[]> | null;
  snis: string[] | null;
  sources: unknown[] | null;
  destinations: unknown[] | null;
  strip_path: boolean;
  preserve_host: boolean;
  regex_priority: number;
  https_redirect_status_code: 426 | 301 | 302 | 307 | 308;
  path_handling: "v0" | "v1";
  request_buffering: boolean;
  response_buffering: boolean;
  service: ForeignRef | null;
}

export interface Consumer extends BaseEntity {
  username: string | null;
  custom_id: string | null;
}

export interface PluginInstance<Config = Record<string, unknown>> extends BaseEntity {
  name: string;
  instance_name: string | null;
  config: Config;
  enabled: boolean;
  protocols: RouteProtocol[];
  service: ForeignRef | null;
  route: ForeignRef | null;
  consumer: ForeignRef | null;
  consumer_group: ForeignRef | null;
  ordering: unknown;
}

/** A server certificate and its key (PEM), chosen for handshakes by its SNIs. */
export interface Certificate extends BaseEntity {
  cert: string;
  key: string;
  cert_alt: string | null;
  key_alt: string | null;
}

export interface Sni extends BaseEntity {
  name: string;
  certificate: ForeignRef;
}

/** A trusted CA (PEM), referenced by id from plugins (mtls-auth) and services. */
export interface CaCertificate extends BaseEntity {
  cert: string;
  /** Hex SHA-256 of the DER certificate, computed on write. */
  cert_digest: string;
}

/** mtls-auth's manual mapping from a certificate subject name to a consumer. */
export interface MtlsAuthCredential {
  id: Uuid;
  created_at: Timestamp;
  // no updated_at: Kong's mtls_auth_credentials have none
  tags: string[] | null;
  consumer: ForeignRef;
  subject_name: string;
  ca_certificate: ForeignRef | null;
}

export type HashOn = "none" | "consumer" | "ip" | "header" | "cookie" | "path" | "query_arg" | "uri_capture";

interface HealthStatusCounters {
  http_statuses: number[];
}
/** Kong's upstream `healthchecks` record (every field present: Kong fills its default tree). */
export interface Healthchecks {
  active: {
    type: "tcp" | "http" | "https" | "grpc" | "grpcs";
    timeout: number;
    concurrency: number;
    http_path: string;
    https_sni: string | null;
    https_verify_certificate: boolean;
    headers: Record<string, string[]> | null;
    healthy: HealthStatusCounters & { interval: number; successes: number };
    unhealthy: HealthStatusCounters & { interval: number; tcp_failures: number; timeouts: number; http_failures: number };
  };
  passive: {
    type: "tcp" | "http" | "https" | "grpc" | "grpcs";
    healthy: HealthStatusCounters & { successes: number };
    unhealthy: HealthStatusCounters & { tcp_failures: number; timeouts: number; http_failures: number };
  };
  threshold: number;
}

/** A virtual host name (a service's `host`) balanced across its targets. */
export interface Upstream extends BaseEntity {
  name: string;
  algorithm: "round-robin" | "consistent-hashing" | "least-connections" | "latency";
  hash_on: HashOn;
  hash_fallback: HashOn;
  hash_on_header: string | null;
  hash_fallback_header: string | null;
  hash_on_cookie: string | null;
  hash_on_cookie_path: string;
  hash_on_query_arg: string | null;
  hash_fallback_query_arg: string | null;
  hash_on_uri_capture: string | null;
  hash_fallback_uri_capture: string | null;
  slots: number;
  healthchecks: Healthchecks;
  host_header: string | null;
  client_certificate: ForeignRef | null;
  use_srv_name: boolean;
}

/** One backend (`host:port`) of an upstream, with its share of the traffic. */
export interface Target extends BaseEntity {
  upstream: ForeignRef;
  target: string;
  weight: number;
}

/** Kong's key sets: a named group of keys (a JWK Set), its keys going with it. */
export interface KeySet extends BaseEntity {
  name: string | null;
}

/** An asymmetric key (Kong's keys): as a JWK string or as PEMs, identified by `kid`, optionally in a set. */
export interface Key extends BaseEntity {
  set: ForeignRef | null;
  name: string | null;
  kid: string;
  /** A JWK as JSON text, or a vault reference. */
  jwk: string | null;
  pem: { private_key: string | null; public_key: string | null } | null;
}

/** Every stored entity kind, by its Admin API collection name. */
export interface EntityKinds {
  services: Service;
  routes: Route;
  consumers: Consumer;
  plugins: PluginInstance;
  certificates: Certificate;
  snis: Sni;
  ca_certificates: CaCertificate;
  mtls_auth_credentials: MtlsAuthCredential;
  upstreams: Upstream;
  targets: Target;
  vaults: Vault;
  key_sets: KeySet;
  keys: Key;
}
export type EntityName = keyof EntityKinds;
export type AnyEntity = EntityKinds[EntityName];
