import type {
  CaCertificate,
  Key,
  KeySet,
  Certificate,
  Consumer,
  MtlsAuthCredential,
  PluginInstance,
  Route,
  Service,
  Sni,
  Target,
  Upstream,
} from "./types.ts";
import type { Vault } from "../vault/vault-entity.ts";

/**
 * The whole configuration at one config version: what the proxy compiles into a snapshot, what a
 * node keeps under its prefix to start through a database outage, and what DB-less nodes load.
 */
export interface ConfigData {
  version: number;
  services: readonly Service[];
  routes: readonly Route[];
  plugins: readonly PluginInstance[];
  consumers: readonly Consumer[];
  certificates: readonly Certificate[];
  snis: readonly Sni[];
  ca_certificates: readonly CaCertificate[];
  mtls_auth_credentials: readonly MtlsAuthCredential[];
  upstreams: readonly Upstream[];
  targets: readonly Target[];
  vaults: readonly Vault[];
  key_sets: readonly KeySet[];
  keys: readonly Key[];
}
