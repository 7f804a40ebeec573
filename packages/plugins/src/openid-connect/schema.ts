/**
 * Config schema of the `openid-connect` plugin (Kong Enterprise), as pure data.
 *
 * Source: docs/reference "Kong Gateway behaviour reference", Appendix A (the 3.12.x schema,
 * every field, in Kong's order) plus two later fields: `bearer_token_header_name` (3.15) and
 * `consumer_claims` (3.14). Sub-fields of `redis` / `cluster_cache_redis` and `client_jwk[]`
 * follow section 3.15 and Kong's schema dump.
 *
 * Mapping (shared with the other plugin schemas):
 * - optional Kong scalar -> `type: [<t>, "null"]` (+ `default` when Kong has one);
 * - Kong `required` -> non-nullable `type` and listed in the record's `required`
 *   (a default, when Kong has one, is still filled before `required` is checked);
 * - `one_of` -> `enum` with `null` appended; `between` -> `minimum`/`maximum`;
 * - `array` -> `type: ["array","null"]` with `items`; `set` -> same plus `kongType: "set"`;
 * - `record` -> object with `additionalProperties: false` and `kongType: "record"`.
 */
import type { FieldErrors, FieldSchema, RecordSchema } from "@tether/core";

// ---------------------------------------------------------------------------------------
// Allowed values
// ---------------------------------------------------------------------------------------

const AUTH_METHODS = [
  "password",
  "client_credentials",
  "authorization_code",
  "bearer",
  "introspection",
  "userinfo",
  "kong_oauth2",
  "refresh_token",
  "session",
] as const;
const CLIENT_AUTH_METHODS = [
  "client_secret_basic",
  "client_secret_post",
  "client_secret_jwt",
  "private_key_jwt",
  "tls_client_auth",
  "self_signed_tls_client_auth",
  "none",
] as const;
const CLIENT_ALGS = [
  "HS256", "HS384", "HS512",
  "RS256", "RS384", "RS512",
  "ES256", "ES384", "ES512",
  "PS256", "PS384", "PS512",
  "EdDSA",
] as const;
const RESPONSE_MODES = [
  "query",
  "form_post",
  "fragment",
  "query.jwt",
  "form_post.jwt",
  "fragment.jwt",
  "jwt",
] as const;
const SAME_SITE = ["Strict", "Lax", "None", "Default"] as const;
const TOKEN_HEADERS_GRANTS = ["password", "client_credentials", "authorization_code", "refresh_token"] as const;
const INTROSPECTION_ACCEPT = ["application/json", "application/token-introspection+jwt", "application/jwt"] as const;
const USERINFO_ACCEPT = ["application/json", "application/jwt"] as const;
const SESSION_BIND = ["ip", "scheme", "user-agent"] as const;
const SESSION_HEADERS = [
  "id",
  "audience",
  "subject",
  "timeout",
  "idling-timeout",
  "rolling-timeout",
  "absolute-timeout",
] as const;
const SESSION_STORAGE = ["cookie", "memcache", "memcached", "redis"] as const;
const BEARER_TOKEN_PARAM_TYPES = ["header", "cookie", "query", "body"] as const;
const PARAM_TYPES = ["header", "query", "body"] as const;
const LOGIN_ACTIONS = ["upstream", "response", "redirect"] as const;
const LOGIN_TOKENS = ["id_token", "access_token", "refresh_token", "tokens", "introspection"] as const;
const LOGIN_REDIRECT_MODES = ["query", "fragment"] as const;
const LOGOUT_METHODS = ["POST", "GET", "DELETE"] as const;
const IGNORE_SIGNATURE_GRANTS = [
  "password",
  "client_credentials",
  "authorization_code",
  "refresh_token",
  "session",
  "introspection",
  "userinfo",
] as const;
const CONSUMER_BY = ["id", "username", "custom_id"] as const;
const POP_MODES = ["off", "strict", "optional"] as const;
const CLUSTER_CACHE_STRATEGIES = ["off", "redis"] as const;
/** Kong's two formats (3.15), then Tether's: RFC 9440 `Client-Cert` and Envoy's XFCC. */
const CERTIFICATE_HEADER_FORMATS = ["url_encoded", "base64_encoded", "rfc9440", "xfcc"] as const;
const REVOCATION_CHECK_MODES = ["SKIP", "IGNORE_CA_ERROR", "STRICT"] as const;
const SENTINEL_ROLES = ["master", "slave", "any"] as const;

/** Auth methods PoP (mTLS or DPoP) can protect; see reference 3.10. */
const POP_AUTH_METHODS: readonly string[] = ["bearer", "introspection", "session"];

export type OidcAuthMethod = (typeof AUTH_METHODS)[number];
export type OidcClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
export type OidcClientAlg = (typeof CLIENT_ALGS)[number];
export type OidcProofOfPossessionMode = (typeof POP_MODES)[number];
export type CertificateHeaderFormat = (typeof CERTIFICATE_HEADER_FORMATS)[number];
export type OidcSameSite = (typeof SAME_SITE)[number];

// ---------------------------------------------------------------------------------------
// Field builders (pure: each call returns a fresh object)
// ---------------------------------------------------------------------------------------

type Extra = Omit<FieldSchema, "type" | "default" | "enum" | "items">;

const MAX_TIMEOUT = 2147483646; // 2^31 - 2, Kong's timeout typedef upper bound

function str(def?: string, extra: Extra = {}): FieldSchema {
  return { type: ["string", "null"], ...(def === undefined ? {} : { default: def }), ...extra };
}

function num(def?: number, extra: Extra = {}): FieldSchema {
  return { type: ["number", "null"], ...(def === undefined ? {} : { default: def }), ...extra };
}

function int(def: number | undefined, min?: number, max?: number): FieldSchema {
  return {
    type: ["integer", "null"],
    ...(def === undefined ? {} : { default: def }),
    ...(min === undefined ? {} : { minimum: min }),
    ...(max === undefined ? {} : { maximum: max }),
  };
}

function bool(def?: boolean, extra: Extra = {}): FieldSchema {
  return { type: ["boolean", "null"], ...(def === undefined ? {} : { default: def }), ...extra };
}

function oneOf(values: readonly string[], def?: string, extra: Extra = {}): FieldSchema {
  return {
    type: ["string", "null"],
    enum: [...values, null],
    ...(def === undefined ? {} : { default: def }),
    ...extra,
  };
}

interface ArrayOpts {
  def?: readonly string[];
  items?: readonly string[];
  itemExtra?: Extra;
  extra?: Extra;
}

function strArray(opts: ArrayOpts = {}): FieldSchema {
  const items: FieldSchema = { type: "string", ...(opts.items ? { enum: [...opts.items] } : {}), ...opts.itemExtra };
  return {
    type: ["array", "null"],
    items,
    ...(opts.def === undefined ? {} : { default: [...opts.def] }),
    ...opts.extra,
  };
}

function strSet(opts: ArrayOpts = {}): FieldSchema {
  return { ...strArray(opts), kongType: "set" };
}

/** Kong's `port` typedef. */
function port(def?: number): FieldSchema {
  return int(def, 0, 65535);
}

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

function hostPortRecord(hostField: "host" | "ip"): FieldSchema {
  return {
    type: "object",
    kongType: "record",
    additionalProperties: false,
    required: [hostField],
    properties: {
      [hostField]: { type: "string", default: "127.0.0.1" },
      port: port(6379),
    },
  };
}

/**
 * Kong EE's shared Redis config (3.8+). `withSessionFields` adds `prefix` and `socket`,
 * which only the session `redis` record has (not `cluster_cache_redis`).
 */
function redisRecord(withSessionFields: boolean, description: string): FieldSchema {
  const properties: Record<string, FieldSchema> = {
    host: str("127.0.0.1"),
    port: port(6379),
    connect_timeout: int(2000, 0, MAX_TIMEOUT),
    send_timeout: int(2000, 0, MAX_TIMEOUT),
    read_timeout: int(2000, 0, MAX_TIMEOUT),
    username: str(undefined, { referenceable: true }),
    password: str(undefined, { encrypted: true, referenceable: true }),
    sentinel_username: str(undefined, { referenceable: true }),
    sentinel_password: str(undefined, { encrypted: true, referenceable: true }),
    database: int(0),
    keepalive_pool_size: int(256, 1, MAX_TIMEOUT),
    keepalive_backlog: int(undefined, 0, MAX_TIMEOUT),
    sentinel_master: str(),
    sentinel_role: oneOf(SENTINEL_ROLES),
    sentinel_nodes: { type: ["array", "null"], minItems: 1, items: hostPortRecord("host") },
    cluster_nodes: { type: ["array", "null"], minItems: 1, items: hostPortRecord("ip") },
    ssl: bool(false),
    ssl_verify: bool(false),
    server_name: str(),
    cluster_max_redirections: int(5),
    connection_is_proxied: bool(false),
  };
  if (withSessionFields) {
    properties["prefix"] = str(undefined, { description: "The Redis session key prefix." });
    properties["socket"] = str(undefined, { description: "The Redis unix socket path." });
  }
  const defaults: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(properties)) {
    if (field.default !== undefined) defaults[name] = field.default;
  }
  return {
    type: "object",
    kongType: "record",
    additionalProperties: false,
    properties,
    default: defaults,
    description,
  };
}

/**
 * `proof_of_possession_mtls_from_header` (3.15): the client certificate as a TLS terminator in
 * front forwards it, verified as mtls-auth verifies a connection's (same field names). Nullable,
 * without a default: Kong requires the header name and the CAs once the record is given.
 */
function certificateFromHeaderRecord(): FieldSchema {
  return {
    type: ["object", "null"],
    kongType: "record",
    additionalProperties: false,
    required: ["certificate_header_name", "certificate_header_format", "ca_certificates"],
    properties: {
      certificate_header_name: { type: "string", description: "Name of the header the TLS terminator puts the client certificate in." },
      certificate_header_format: {
        type: "string",
        enum: [...CERTIFICATE_HEADER_FORMATS],
        default: "url_encoded",
        description: "url_encoded (URL-encoded PEM), base64_encoded (base64 DER), rfc9440 (Client-Cert, Client-Cert-Chain) or xfcc (Envoy x-forwarded-client-cert).",
      },
      ca_certificates: {
        type: "array",
        items: { type: "string", format: "uuid" },
        description: "Ids of the CA Certificate entities the forwarded certificate is verified against.",
      },
      secure_source: bool(true, { description: "Believe the header only from the node's trusted_ips." }),
      allow_partial_chain: bool(false),
      revocation_check_mode: oneOf(REVOCATION_CHECK_MODES, "IGNORE_CA_ERROR"),
      ssl_verify: bool(true, { description: "Verify OCSP/CRL server certificates." }),
      cert_cache_ttl: num(60000, { description: "Revocation-result cache TTL." }),
      http_timeout: num(30000, { description: "OCSP/CRL fetch timeout in milliseconds." }),
      http_proxy_host: str(),
      http_proxy_port: port(),
      https_proxy_host: str(),
      https_proxy_port: port(),
    },
  };
}

const PRIVATE_JWK_MEMBER: FieldSchema = { type: "string", encrypted: true, referenceable: true };

/** One `client_jwk` entry (JWK members as optional strings; private members are secrets). */
function jwkRecord(): FieldSchema {
  return {
    type: "object",
    kongType: "record",
    additionalProperties: false,
    properties: {
      issuer: { type: "string" },
      kty: { type: "string" },
      use: { type: "string" },
      key_ops: { type: "array", items: { type: "string" } },
      alg: { type: "string" },
      kid: { type: "string" },
      x5u: { type: "string" },
      x5c: { type: "array", items: { type: "string" } },
      x5t: { type: "string" },
      "x5t#S256": { type: "string" },
      k: { ...PRIVATE_JWK_MEMBER },
      x: { type: "string" },
      y: { type: "string" },
      crv: { type: "string" },
      n: { type: "string" },
      e: { type: "string" },
      d: { ...PRIVATE_JWK_MEMBER },
      p: { ...PRIVATE_JWK_MEMBER },
      q: { ...PRIVATE_JWK_MEMBER },
      dp: { ...PRIVATE_JWK_MEMBER },
      dq: { ...PRIVATE_JWK_MEMBER },
      qi: { ...PRIVATE_JWK_MEMBER },
      oth: { ...PRIVATE_JWK_MEMBER },
      r: { ...PRIVATE_JWK_MEMBER },
      t: { ...PRIVATE_JWK_MEMBER },
      ext: { type: "boolean" },
    },
  };
}

// ---------------------------------------------------------------------------------------
// The schema
// ---------------------------------------------------------------------------------------

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["issuer", "redis", "cluster_cache_redis"],
  properties: {
    issuer: {
      type: "string",
      format: "uri",
      description: "The discovery endpoint (or the issuer identifier).",
    },
    using_pseudo_issuer: bool(false, { description: "Do not run discovery against `issuer`." }),
    discovery_headers_names: strArray(),
    discovery_headers_values: strArray(),
    extra_jwks_uris: strSet({ itemExtra: { format: "uri" } }),
    rediscovery_lifetime: num(30, { description: "Minimum seconds between discovery attempts." }),
    auth_methods: strArray({ def: AUTH_METHODS, items: AUTH_METHODS, extra: { description: "Types of credentials/grants to enable." } }),
    client_id: strArray({ itemExtra: { referenceable: true }, extra: { encrypted: true } }),
    client_secret: strArray({ itemExtra: { referenceable: true }, extra: { encrypted: true } }),
    client_auth: strArray({ items: CLIENT_AUTH_METHODS }),
    client_jwk: { type: ["array", "null"], items: jwkRecord() },
    client_alg: strArray({ items: CLIENT_ALGS }),
    client_arg: str("client_id"),
    redirect_uri: strArray(),
    login_redirect_uri: strArray({ itemExtra: { referenceable: true } }),
    logout_redirect_uri: strArray({ itemExtra: { referenceable: true } }),
    forbidden_redirect_uri: strArray(),
    forbidden_error_message: str("Forbidden"),
    forbidden_destroy_session: bool(true),
    unauthorized_destroy_session: bool(true),
    unauthorized_redirect_uri: strArray(),
    unauthorized_error_message: str("Unauthorized"),
    unexpected_redirect_uri: strArray(),
    response_mode: oneOf(RESPONSE_MODES, "query"),
    response_type: strArray({ def: ["code"] }),
    scopes: strArray({ def: ["openid"], itemExtra: { referenceable: true } }),
    audience: strArray(),
    issuers_allowed: strArray(),
    scopes_required: strArray(),
    scopes_claim: strArray({ def: ["scope"] }),
    audience_required: strArray(),
    audience_claim: strArray({ def: ["aud"] }),
    groups_required: strArray(),
    groups_claim: strArray({ def: ["groups"] }),
    roles_required: strArray(),
    roles_claim: strArray({ def: ["roles"] }),
    domains: strArray(),
    max_age: num(),
    authenticated_groups_claim: strArray(),
    pushed_authorization_request_endpoint: str(),
    pushed_authorization_request_endpoint_auth_method: oneOf(CLIENT_AUTH_METHODS),
    require_pushed_authorization_requests: bool(),
    require_proof_key_for_code_exchange: bool(),
    require_signed_request_object: bool(),
    authorization_endpoint: str(),
    authorization_query_args_names: strArray(),
    authorization_query_args_values: strArray(),
    authorization_query_args_client: strArray(),
    authorization_rolling_timeout: num(600),
    authorization_cookie_name: str("authorization"),
    authorization_cookie_path: str("/"),
    authorization_cookie_domain: str(),
    authorization_cookie_same_site: oneOf(SAME_SITE, "Default"),
    authorization_cookie_http_only: bool(true),
    authorization_cookie_secure: bool(),
    preserve_query_args: bool(false),
    token_endpoint: str(),
    token_endpoint_auth_method: oneOf(CLIENT_AUTH_METHODS),
    token_headers_names: strArray(),
    token_headers_values: strArray(),
    token_headers_client: strArray(),
    token_headers_replay: strArray(),
    token_headers_prefix: str(),
    token_headers_grants: strArray({ items: TOKEN_HEADERS_GRANTS }),
    token_post_args_names: strArray(),
    token_post_args_values: strArray(),
    token_post_args_client: strArray(),
    introspection_endpoint: str(),
    introspection_endpoint_auth_method: oneOf(CLIENT_AUTH_METHODS),
    introspection_hint: str("access_token"),
    introspection_check_active: bool(true),
    introspection_accept: oneOf(INTROSPECTION_ACCEPT, "application/json"),
    introspection_headers_names: strArray(),
    introspection_headers_values: strArray({ itemExtra: { referenceable: true }, extra: { encrypted: true } }),
    introspection_headers_client: strArray(),
    introspection_post_args_names: strArray(),
    introspection_post_args_values: strArray(),
    introspection_post_args_client: strArray(),
    introspection_post_args_client_headers: strArray(),
    introspect_jwt_tokens: bool(false),
    revocation_endpoint: str(),
    revocation_endpoint_auth_method: oneOf(CLIENT_AUTH_METHODS),
    end_session_endpoint: str(),
    userinfo_endpoint: str(),
    userinfo_accept: oneOf(USERINFO_ACCEPT, "application/json"),
    userinfo_headers_names: strArray(),
    userinfo_headers_values: strArray(),
    userinfo_headers_client: strArray(),
    userinfo_query_args_names: strArray(),
    userinfo_query_args_values: strArray(),
    userinfo_query_args_client: strArray(),
    token_exchange_endpoint: str(),
    session_secret: str(undefined, {
      encrypted: true,
      referenceable: true,
      description: "Session encryption secret; auto-generated when unset (must be set in DB-less mode).",
    }),
    session_audience: str("default"),
    session_cookie_name: str("session"),
    session_remember: bool(false),
    session_remember_cookie_name: str("remember"),
    session_remember_rolling_timeout: num(604800),
    session_remember_absolute_timeout: num(2592000),
    session_idling_timeout: num(900),
    session_rolling_timeout: num(3600),
    session_absolute_timeout: num(86400),
    session_cookie_path: str("/"),
    session_cookie_domain: str(),
    session_cookie_same_site: oneOf(SAME_SITE, "Lax"),
    session_cookie_http_only: bool(true),
    session_cookie_secure: bool(),
    session_bind: strSet({ items: SESSION_BIND }),
    session_request_headers: strSet({ items: SESSION_HEADERS }),
    session_response_headers: strSet({ items: SESSION_HEADERS }),
    session_storage: oneOf(SESSION_STORAGE, "cookie"),
    session_store_metadata: bool(false),
    session_enforce_same_subject: bool(false),
    session_hash_subject: bool(false),
    session_hash_storage_key: bool(false),
    session_memcached_prefix: str(),
    session_memcached_socket: str(),
    session_memcached_host: str("127.0.0.1"),
    session_memcached_port: port(11211),
    redis: redisRecord(true, "Redis connection used when `session_storage` is `redis`."),
    reverify: bool(false),
    jwt_session_claim: str("sid"),
    jwt_session_cookie: str(),
    bearer_token_param_type: strArray({ def: PARAM_TYPES, items: BEARER_TOKEN_PARAM_TYPES }),
    bearer_token_cookie_name: str(),
    bearer_token_header_name: str(undefined, {
      description: "(3.15) Only this header is searched for the bearer token.",
    }),
    client_credentials_param_type: strArray({ def: PARAM_TYPES, items: PARAM_TYPES }),
    password_param_type: strArray({ def: PARAM_TYPES, items: PARAM_TYPES }),
    id_token_param_type: strArray({ def: PARAM_TYPES, items: PARAM_TYPES }),
    id_token_param_name: str(),
    refresh_token_param_type: strArray({ def: PARAM_TYPES, items: PARAM_TYPES }),
    refresh_token_param_name: str(),
    refresh_tokens: bool(true),
    upstream_headers_claims: strArray(),
    upstream_headers_names: strArray(),
    upstream_access_token_header: str("authorization:bearer", {
      description: "`<header>[:<scheme>]` the access token is forwarded in; null to not forward.",
    }),
    upstream_access_token_jwk_header: str(),
    upstream_id_token_header: str(),
    upstream_id_token_jwk_header: str(),
    upstream_refresh_token_header: str(),
    upstream_user_info_header: str(),
    upstream_user_info_jwt_header: str(),
    upstream_introspection_header: str(),
    upstream_introspection_jwt_header: str(),
    upstream_session_id_header: str(),
    downstream_headers_claims: strArray(),
    downstream_headers_names: strArray(),
    downstream_access_token_header: str(),
    downstream_access_token_jwk_header: str(),
    downstream_id_token_header: str(),
    downstream_id_token_jwk_header: str(),
    downstream_refresh_token_header: str(),
    downstream_user_info_header: str(),
    downstream_user_info_jwt_header: str(),
    downstream_introspection_header: str(),
    downstream_introspection_jwt_header: str(),
    downstream_session_id_header: str(),
    login_methods: strArray({ def: ["authorization_code"], items: AUTH_METHODS }),
    login_action: oneOf(LOGIN_ACTIONS, "upstream"),
    login_tokens: strArray({ def: ["id_token"], items: LOGIN_TOKENS }),
    login_redirect_mode: oneOf(LOGIN_REDIRECT_MODES, "fragment"),
    logout_query_arg: str(),
    logout_post_arg: str(),
    logout_uri_suffix: str(),
    logout_methods: strArray({ def: ["POST", "DELETE"], items: LOGOUT_METHODS }),
    logout_revoke: bool(false),
    logout_revoke_access_token: bool(true),
    logout_revoke_refresh_token: bool(true),
    consumer_claim: strArray({ extra: { description: "Claim path used for consumer mapping." } }),
    consumer_claims: {
      type: ["array", "null"],
      items: { type: "array", items: { type: "string" } },
      description: "(3.14) Claim paths used for consumer mapping; the first that resolves wins.",
    },
    consumer_by: strArray({ def: ["username", "custom_id"], items: CONSUMER_BY }),
    consumer_optional: bool(false),
    consumer_groups_claim: strArray(),
    consumer_groups_optional: bool(false),
    credential_claim: strArray({ def: ["sub"] }),
    anonymous: str(undefined, { description: "Consumer id or username used when authentication fails." }),
    run_on_preflight: bool(true),
    leeway: num(0, { description: "Seconds of leeway on exp/iat/nbf (and auth_time)." }),
    verify_parameters: bool(false),
    verify_nonce: bool(true),
    verify_claims: bool(true),
    verify_signature: bool(true),
    ignore_signature: strArray({ def: [], items: IGNORE_SIGNATURE_GRANTS }),
    enable_hs_signatures: bool(false),
    disable_session: strArray({ items: AUTH_METHODS }),
    cache_ttl: num(3600),
    cache_ttl_max: num(),
    cache_ttl_min: num(),
    cache_ttl_neg: num(),
    cache_ttl_resurrect: num(),
    cache_tokens: bool(true),
    cache_tokens_salt: str(undefined, { description: "Auto-generated by Kong when the plugin is created." }),
    cache_introspection: bool(true),
    cache_token_exchange: bool(true),
    cache_user_info: bool(true),
    search_user_info: bool(false),
    hide_credentials: bool(false),
    http_version: {
      type: ["number", "null"],
      enum: [1.0, 1.1, null],
      default: 1.1,
      message: "must be 1.0 or 1.1",
    },
    http_proxy: str(),
    http_proxy_authorization: str(undefined, { encrypted: true, referenceable: true }),
    https_proxy: str(),
    https_proxy_authorization: str(undefined, { encrypted: true, referenceable: true }),
    no_proxy: str(),
    keepalive: bool(true),
    // Kong 3.14's default (true); 3.12 defaulted to false. Secure by default, and Kong-compatible.
    ssl_verify: bool(true, { description: "Verify the IdP server certificate (Kong 3.14 default)." }),
    timeout: num(10000, { description: "Network IO timeout in milliseconds." }),
    display_errors: bool(false),
    by_username_ignore_case: bool(false),
    resolve_distributed_claims: bool(false),
    expose_error_code: bool(true),
    token_cache_key_include_scope: bool(false),
    introspection_token_param_name: str("token"),
    revocation_token_param_name: str("token"),
    proof_of_possession_mtls: oneOf(POP_MODES, "off", {
      description: "Certificate-bound access tokens (RFC 8705): off, strict or optional.",
    }),
    proof_of_possession_auth_methods_validation: bool(true),
    tls_client_auth_cert_id: str(undefined, {
      format: "uuid",
      description: "Certificate entity used for mTLS client authentication to the IdP.",
    }),
    tls_client_auth_ssl_verify: bool(true),
    mtls_token_endpoint: str(),
    mtls_introspection_endpoint: str(),
    mtls_revocation_endpoint: str(),
    proof_of_possession_dpop: oneOf(POP_MODES, "off", { description: "DPoP (RFC 9449): off, strict or optional." }),
    dpop_use_nonce: bool(false),
    dpop_proof_lifetime: num(300),
    proof_of_possession_mtls_from_header: certificateFromHeaderRecord(),
    claims_forbidden: strArray(),
    cluster_cache_strategy: oneOf(CLUSTER_CACHE_STRATEGIES, "off"),
    cluster_cache_redis: redisRecord(false, "Redis connection used when `cluster_cache_strategy` is `redis`."),
    // Tether's own (docs/keys.md): Kong's openid-connect takes its client keys from client_jwk only.
    client_key_set: str(undefined, {
      minLength: 1,
      description: "Tether extension: a key set (id or name) whose keys with a private part sign private_key_jwt assertions, instead of client_jwk.",
    }),
  },
};

// ---------------------------------------------------------------------------------------
// TypeScript view of a validated config (defaults filled)
// ---------------------------------------------------------------------------------------

export interface OpenIdConnectRedisNode {
  host: string;
  port?: number | null;
}

export interface OpenIdConnectRedisClusterNode {
  ip: string;
  port?: number | null;
}

export interface CertificateFromHeaderConfig {
  certificate_header_name: string;
  certificate_header_format: CertificateHeaderFormat;
  ca_certificates: string[];
  secure_source: boolean | null;
  allow_partial_chain: boolean | null;
  revocation_check_mode: (typeof REVOCATION_CHECK_MODES)[number] | null;
  ssl_verify: boolean | null;
  cert_cache_ttl: number | null;
  http_timeout: number | null;
  http_proxy_host?: string | null;
  http_proxy_port?: number | null;
  https_proxy_host?: string | null;
  https_proxy_port?: number | null;
}

export interface OpenIdConnectRedisConfig {
  host: string | null;
  port: number | null;
  connect_timeout: number | null;
  send_timeout: number | null;
  read_timeout: number | null;
  username?: string | null;
  password?: string | null;
  sentinel_username?: string | null;
  sentinel_password?: string | null;
  database: number | null;
  keepalive_pool_size: number | null;
  keepalive_backlog?: number | null;
  sentinel_master?: string | null;
  sentinel_role?: "master" | "slave" | "any" | null;
  sentinel_nodes?: OpenIdConnectRedisNode[] | null;
  cluster_nodes?: OpenIdConnectRedisClusterNode[] | null;
  ssl: boolean | null;
  ssl_verify: boolean | null;
  server_name?: string | null;
  cluster_max_redirections: number | null;
  connection_is_proxied: boolean | null;
  /** Only on the session `redis` record. */
  prefix?: string | null;
  /** Only on the session `redis` record. */
  socket?: string | null;
}

export interface OpenIdConnectJwk {
  issuer?: string;
  kty?: string;
  use?: string;
  key_ops?: string[];
  alg?: string;
  kid?: string;
  x5u?: string;
  x5c?: string[];
  x5t?: string;
  "x5t#S256"?: string;
  k?: string;
  x?: string;
  y?: string;
  crv?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  oth?: string;
  r?: string;
  t?: string;
  ext?: boolean;
}

type ParamType = (typeof PARAM_TYPES)[number];
type SessionHeader = (typeof SESSION_HEADERS)[number];

/**
 * A config as stored/validated: fields with a Kong default are always present (but may be
 * set to null explicitly, as Kong allows); fields without one may be absent or null.
 */
export interface OpenIdConnectConfig {
  issuer: string;
  using_pseudo_issuer: boolean | null;
  discovery_headers_names?: string[] | null;
  discovery_headers_values?: string[] | null;
  extra_jwks_uris?: string[] | null;
  rediscovery_lifetime: number | null;
  auth_methods: OidcAuthMethod[] | null;
  client_id?: string[] | null;
  client_secret?: string[] | null;
  client_auth?: OidcClientAuthMethod[] | null;
  client_jwk?: OpenIdConnectJwk[] | null;
  client_alg?: OidcClientAlg[] | null;
  client_arg: string | null;
  redirect_uri?: string[] | null;
  login_redirect_uri?: string[] | null;
  logout_redirect_uri?: string[] | null;
  forbidden_redirect_uri?: string[] | null;
  forbidden_error_message: string | null;
  forbidden_destroy_session: boolean | null;
  unauthorized_destroy_session: boolean | null;
  unauthorized_redirect_uri?: string[] | null;
  unauthorized_error_message: string | null;
  unexpected_redirect_uri?: string[] | null;
  response_mode: (typeof RESPONSE_MODES)[number] | null;
  response_type: string[] | null;
  scopes: string[] | null;
  audience?: string[] | null;
  issuers_allowed?: string[] | null;
  scopes_required?: string[] | null;
  scopes_claim: string[] | null;
  audience_required?: string[] | null;
  audience_claim: string[] | null;
  groups_required?: string[] | null;
  groups_claim: string[] | null;
  roles_required?: string[] | null;
  roles_claim: string[] | null;
  domains?: string[] | null;
  max_age?: number | null;
  authenticated_groups_claim?: string[] | null;
  pushed_authorization_request_endpoint?: string | null;
  pushed_authorization_request_endpoint_auth_method?: OidcClientAuthMethod | null;
  require_pushed_authorization_requests?: boolean | null;
  require_proof_key_for_code_exchange?: boolean | null;
  require_signed_request_object?: boolean | null;
  authorization_endpoint?: string | null;
  authorization_query_args_names?: string[] | null;
  authorization_query_args_values?: string[] | null;
  authorization_query_args_client?: string[] | null;
  authorization_rolling_timeout: number | null;
  authorization_cookie_name: string | null;
  authorization_cookie_path: string | null;
  authorization_cookie_domain?: string | null;
  authorization_cookie_same_site: OidcSameSite | null;
  authorization_cookie_http_only: boolean | null;
  authorization_cookie_secure?: boolean | null;
  preserve_query_args: boolean | null;
  token_endpoint?: string | null;
  token_endpoint_auth_method?: OidcClientAuthMethod | null;
  token_headers_names?: string[] | null;
  token_headers_values?: string[] | null;
  token_headers_client?: string[] | null;
  token_headers_replay?: string[] | null;
  token_headers_prefix?: string | null;
  token_headers_grants?: (typeof TOKEN_HEADERS_GRANTS)[number][] | null;
  token_post_args_names?: string[] | null;
  token_post_args_values?: string[] | null;
  token_post_args_client?: string[] | null;
  introspection_endpoint?: string | null;
  introspection_endpoint_auth_method?: OidcClientAuthMethod | null;
  introspection_hint: string | null;
  introspection_check_active: boolean | null;
  introspection_accept: (typeof INTROSPECTION_ACCEPT)[number] | null;
  introspection_headers_names?: string[] | null;
  introspection_headers_values?: string[] | null;
  introspection_headers_client?: string[] | null;
  introspection_post_args_names?: string[] | null;
  introspection_post_args_values?: string[] | null;
  introspection_post_args_client?: string[] | null;
  introspection_post_args_client_headers?: string[] | null;
  introspect_jwt_tokens: boolean | null;
  revocation_endpoint?: string | null;
  revocation_endpoint_auth_method?: OidcClientAuthMethod | null;
  end_session_endpoint?: string | null;
  userinfo_endpoint?: string | null;
  userinfo_accept: (typeof USERINFO_ACCEPT)[number] | null;
  userinfo_headers_names?: string[] | null;
  userinfo_headers_values?: string[] | null;
  userinfo_headers_client?: string[] | null;
  userinfo_query_args_names?: string[] | null;
  userinfo_query_args_values?: string[] | null;
  userinfo_query_args_client?: string[] | null;
  token_exchange_endpoint?: string | null;
  session_secret?: string | null;
  session_audience: string | null;
  session_cookie_name: string | null;
  session_remember: boolean | null;
  session_remember_cookie_name: string | null;
  session_remember_rolling_timeout: number | null;
  session_remember_absolute_timeout: number | null;
  session_idling_timeout: number | null;
  session_rolling_timeout: number | null;
  session_absolute_timeout: number | null;
  session_cookie_path: string | null;
  session_cookie_domain?: string | null;
  session_cookie_same_site: OidcSameSite | null;
  session_cookie_http_only: boolean | null;
  session_cookie_secure?: boolean | null;
  session_bind?: (typeof SESSION_BIND)[number][] | null;
  session_request_headers?: SessionHeader[] | null;
  session_response_headers?: SessionHeader[] | null;
  session_storage: (typeof SESSION_STORAGE)[number] | null;
  session_store_metadata: boolean | null;
  session_enforce_same_subject: boolean | null;
  session_hash_subject: boolean | null;
  session_hash_storage_key: boolean | null;
  session_memcached_prefix?: string | null;
  session_memcached_socket?: string | null;
  session_memcached_host: string | null;
  session_memcached_port: number | null;
  redis: OpenIdConnectRedisConfig;
  reverify: boolean | null;
  jwt_session_claim: string | null;
  jwt_session_cookie?: string | null;
  bearer_token_param_type: (typeof BEARER_TOKEN_PARAM_TYPES)[number][] | null;
  bearer_token_cookie_name?: string | null;
  bearer_token_header_name?: string | null;
  client_credentials_param_type: ParamType[] | null;
  password_param_type: ParamType[] | null;
  id_token_param_type: ParamType[] | null;
  id_token_param_name?: string | null;
  refresh_token_param_type: ParamType[] | null;
  refresh_token_param_name?: string | null;
  refresh_tokens: boolean | null;
  upstream_headers_claims?: string[] | null;
  upstream_headers_names?: string[] | null;
  upstream_access_token_header: string | null;
  upstream_access_token_jwk_header?: string | null;
  upstream_id_token_header?: string | null;
  upstream_id_token_jwk_header?: string | null;
  upstream_refresh_token_header?: string | null;
  upstream_user_info_header?: string | null;
  upstream_user_info_jwt_header?: string | null;
  upstream_introspection_header?: string | null;
  upstream_introspection_jwt_header?: string | null;
  upstream_session_id_header?: string | null;
  downstream_headers_claims?: string[] | null;
  downstream_headers_names?: string[] | null;
  downstream_access_token_header?: string | null;
  downstream_access_token_jwk_header?: string | null;
  downstream_id_token_header?: string | null;
  downstream_id_token_jwk_header?: string | null;
  downstream_refresh_token_header?: string | null;
  downstream_user_info_header?: string | null;
  downstream_user_info_jwt_header?: string | null;
  downstream_introspection_header?: string | null;
  downstream_introspection_jwt_header?: string | null;
  downstream_session_id_header?: string | null;
  login_methods: OidcAuthMethod[] | null;
  login_action: (typeof LOGIN_ACTIONS)[number] | null;
  login_tokens: (typeof LOGIN_TOKENS)[number][] | null;
  login_redirect_mode: (typeof LOGIN_REDIRECT_MODES)[number] | null;
  logout_query_arg?: string | null;
  logout_post_arg?: string | null;
  logout_uri_suffix?: string | null;
  logout_methods: (typeof LOGOUT_METHODS)[number][] | null;
  logout_revoke: boolean | null;
  logout_revoke_access_token: boolean | null;
  logout_revoke_refresh_token: boolean | null;
  consumer_claim?: string[] | null;
  consumer_claims?: string[][] | null;
  consumer_by: (typeof CONSUMER_BY)[number][] | null;
  consumer_optional: boolean | null;
  consumer_groups_claim?: string[] | null;
  consumer_groups_optional: boolean | null;
  credential_claim: string[] | null;
  anonymous?: string | null;
  run_on_preflight: boolean | null;
  leeway: number | null;
  verify_parameters: boolean | null;
  verify_nonce: boolean | null;
  verify_claims: boolean | null;
  verify_signature: boolean | null;
  ignore_signature: (typeof IGNORE_SIGNATURE_GRANTS)[number][] | null;
  enable_hs_signatures: boolean | null;
  disable_session?: OidcAuthMethod[] | null;
  cache_ttl: number | null;
  cache_ttl_max?: number | null;
  cache_ttl_min?: number | null;
  cache_ttl_neg?: number | null;
  cache_ttl_resurrect?: number | null;
  cache_tokens: boolean | null;
  cache_tokens_salt?: string | null;
  cache_introspection: boolean | null;
  cache_token_exchange: boolean | null;
  cache_user_info: boolean | null;
  search_user_info: boolean | null;
  hide_credentials: boolean | null;
  http_version: number | null;
  http_proxy?: string | null;
  http_proxy_authorization?: string | null;
  https_proxy?: string | null;
  https_proxy_authorization?: string | null;
  no_proxy?: string | null;
  keepalive: boolean | null;
  ssl_verify: boolean | null;
  timeout: number | null;
  display_errors: boolean | null;
  by_username_ignore_case: boolean | null;
  resolve_distributed_claims: boolean | null;
  expose_error_code: boolean | null;
  token_cache_key_include_scope: boolean | null;
  introspection_token_param_name: string | null;
  revocation_token_param_name: string | null;
  proof_of_possession_mtls: OidcProofOfPossessionMode | null;
  proof_of_possession_auth_methods_validation: boolean | null;
  tls_client_auth_cert_id?: string | null;
  tls_client_auth_ssl_verify: boolean | null;
  mtls_token_endpoint?: string | null;
  mtls_introspection_endpoint?: string | null;
  mtls_revocation_endpoint?: string | null;
  proof_of_possession_dpop: OidcProofOfPossessionMode | null;
  dpop_use_nonce: boolean | null;
  dpop_proof_lifetime: number | null;
  proof_of_possession_mtls_from_header?: CertificateFromHeaderConfig | null;
  claims_forbidden?: string[] | null;
  cluster_cache_strategy: (typeof CLUSTER_CACHE_STRATEGIES)[number] | null;
  cluster_cache_redis: OpenIdConnectRedisConfig;
  client_key_set?: string | null;
}

// ---------------------------------------------------------------------------------------
// Entity checks (Kong's `custom_validator` on `config` and related checks)
// ---------------------------------------------------------------------------------------

export const POP_AUTH_METHODS_MESSAGE =
  "mTLS-proof-of-possession or Demonstrating Proof-of-Possession (DPoP) only supports " +
  "'bearer', 'introspection', 'session' auth methods when " +
  "proof_of_possession_auth_methods_validation is set to true.";

export const TLS_CLIENT_AUTH_CERT_MESSAGE = "tls_client_auth_cert_id is required when tls client auth is enabled";

/** Tether's own: Kong would sign with keys it generates (`/openid-connect/jwks`); Tether generates none. */
export const PRIVATE_KEY_JWT_MESSAGE = "client_jwk with a private key is required when private_key_jwt is enabled";

export const NO_REDIS_CONFIG_MESSAGE = "No redis config provided";

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** Whether `client_auth` or an endpoint's auth method names one of `methods` (Kong's `has_auth_method`). */
function usesClientAuth(config: OpenIdConnectConfig, ...methods: OidcClientAuthMethod[]): boolean {
  const is = (method: OidcClientAuthMethod | null | undefined): boolean => isSet(method) && methods.includes(method);
  return (
    (config.client_auth ?? []).some(is) ||
    is(config.token_endpoint_auth_method) ||
    is(config.introspection_endpoint_auth_method) ||
    is(config.revocation_endpoint_auth_method)
  );
}

function popEnabled(config: OpenIdConnectConfig): boolean {
  const mtls = config.proof_of_possession_mtls;
  const dpop = config.proof_of_possession_dpop;
  // An absent or null DPoP mode means "off" (the default).
  return mtls === "strict" || mtls === "optional" || (isSet(dpop) && dpop !== "off");
}

/**
 * Kong's record-level checks on `config`, run after field validation (so defaults are
 * filled). Returns the message Kong puts under `fields.config`, or undefined when valid.
 * Checked in Kong's order: mTLS client auth to the IdP, then PoP, then the session Redis.
 */
/** Kong's `mutually_required` proxy host/port pairs of the from-header record, under its `@entity`. */
function fromHeaderProxyPairs(record: CertificateFromHeaderConfig): FieldErrors | undefined {
  for (const pair of [["http_proxy_host", "http_proxy_port"], ["https_proxy_host", "https_proxy_port"]] as const) {
    const set = pair.filter((name) => isSet(record[name]));
    if (set.length === 1) {
      return { proof_of_possession_mtls_from_header: { "@entity": [`all or none of these fields must be set: '${pair[0]}', '${pair[1]}'`] } };
    }
  }
  return undefined;
}

export function checkConfig(config: OpenIdConnectConfig): string | FieldErrors | undefined {
  if (usesClientAuth(config, "tls_client_auth", "self_signed_tls_client_auth") && !isSet(config.tls_client_auth_cert_id)) {
    return TLS_CLIENT_AUTH_CERT_MESSAGE;
  }
  // A key set's keys are only known in the snapshot: a set without a private key fails the calls that need one.
  if (usesClientAuth(config, "private_key_jwt") && !isSet(config.client_key_set) && !(config.client_jwk ?? []).some((jwk) => isSet(jwk.d))) {
    return PRIVATE_KEY_JWT_MESSAGE;
  }

  if (config.proof_of_possession_auth_methods_validation === true && popEnabled(config)) {
    // A null/absent auth_methods means "all methods" (Kong's default), which PoP rejects.
    const methods = config.auth_methods;
    if (!isSet(methods) || !methods.every((method) => POP_AUTH_METHODS.includes(method))) {
      return POP_AUTH_METHODS_MESSAGE;
    }
  }

  const fromHeader = config.proof_of_possession_mtls_from_header;
  const pairs = isSet(fromHeader) ? fromHeaderProxyPairs(fromHeader) : undefined;
  if (pairs) return pairs;

  if (config.session_storage === "redis") {
    const redis: Partial<OpenIdConnectRedisConfig> | null | undefined = config.redis;
    if (
      !isSet(redis) ||
      (!isSet(redis.host) && !isSet(redis.socket) && !isSet(redis.sentinel_nodes) && !isSet(redis.cluster_nodes))
    ) {
      return NO_REDIS_CONFIG_MESSAGE;
    }
  }

  return undefined;
}
