import type {
  CaCertificate,
  Certificate,
  Consumer,
  MtlsAuthCredential,
  PluginInstance,
  Route,
  Service,
  Sni,
} from "./types.ts";

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
}
