import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { caCertificateSchema, checkCaCertificate, computeCertDigest } from "./ca-certificate.ts";
import { certificateSchema, checkCertificate } from "./certificate.ts";
import { checkConsumer, consumerSchema } from "./consumer.ts";
import { mtlsAuthCredentialSchema } from "./mtls-auth-credential.ts";
import { checkSni, sniSchema } from "./sni.ts";
import { genericPluginSchema } from "./plugin.ts";
import { checkRoute, routeSchema } from "./route.ts";
import { checkService, expandServiceUrl, serviceSchema } from "./service.ts";
import { checkKey, keySchema } from "./key.ts";
import { keySetSchema } from "./key-set.ts";
import { normalizeTarget, targetSchema } from "./target.ts";
import { applyUpstreamShorthands, checkUpstream, upstreamSchema } from "./upstream.ts";
import type { EntityKinds, EntityName } from "./types.ts";
import { checkVault, vaultSchema } from "../vault/vault-entity.ts";

export interface ForeignKey {
  readonly entity: EntityName;
  /** Kong: plugins cascade with their service/route/consumer; a service with routes cannot be deleted. */
  readonly onDelete: "restrict" | "cascade";
}

/** What the Admin API and the store need to know of an entity kind. */
export interface EntityDefinition<N extends EntityName = EntityName> {
  readonly name: N;
  /** Kong's endpoint key: the unique field a URL may name the entity by instead of its id. */
  readonly endpointKey: string | undefined;
  /** Unique fields besides id, in the order a foreign reference may resolve by them. */
  readonly uniqueFields: readonly string[];
  /** Foreign fields, the collection each references, and what deleting the referenced entity does. */
  readonly foreignKeys: Readonly<Record<string, ForeignKey>>;
  readonly schema: RecordSchema;
  /** Rewrites shorthand input (e.g. a service `url`) before validation; `creating` for a POST. */
  prepare?(input: Record<string, unknown>, creating: boolean): FieldErrors | undefined;
  check?(entity: EntityKinds[N]): FieldErrors | undefined;
}

export const entities: { readonly [N in EntityName]: EntityDefinition<N> } = {
  services: {
    name: "services",
    endpointKey: "name",
    uniqueFields: ["name"],
    foreignKeys: { client_certificate: { entity: "certificates", onDelete: "restrict" } },
    schema: serviceSchema,
    prepare: expandServiceUrl,
    check: checkService,
  },
  routes: {
    name: "routes",
    endpointKey: "name",
    uniqueFields: ["name"],
    foreignKeys: { service: { entity: "services", onDelete: "restrict" } },
    schema: routeSchema,
    check: checkRoute,
  },
  consumers: {
    name: "consumers",
    endpointKey: "username",
    uniqueFields: ["username", "custom_id"],
    foreignKeys: {},
    schema: consumerSchema,
    check: checkConsumer,
  },
  plugins: {
    name: "plugins",
    endpointKey: "instance_name",
    uniqueFields: ["instance_name"],
    foreignKeys: {
      service: { entity: "services", onDelete: "cascade" },
      route: { entity: "routes", onDelete: "cascade" },
      consumer: { entity: "consumers", onDelete: "cascade" },
    },
    schema: genericPluginSchema,
  },
  certificates: {
    name: "certificates",
    endpointKey: undefined, // GET /certificates/{sni name} is a lookup through the SNI
    uniqueFields: [],
    foreignKeys: {},
    schema: certificateSchema,
    check: checkCertificate,
  },
  snis: {
    name: "snis",
    endpointKey: "name",
    uniqueFields: ["name"],
    foreignKeys: { certificate: { entity: "certificates", onDelete: "cascade" } },
    schema: sniSchema,
    check: checkSni,
  },
  ca_certificates: {
    name: "ca_certificates",
    endpointKey: undefined,
    uniqueFields: ["cert_digest"],
    foreignKeys: {},
    schema: caCertificateSchema,
    prepare: computeCertDigest,
    check: (ca) => checkCaCertificate(ca),
  },
  mtls_auth_credentials: {
    name: "mtls_auth_credentials",
    endpointKey: undefined,
    uniqueFields: [],
    foreignKeys: {
      consumer: { entity: "consumers", onDelete: "cascade" },
      ca_certificate: { entity: "ca_certificates", onDelete: "restrict" },
    },
    schema: mtlsAuthCredentialSchema,
  },
  upstreams: {
    name: "upstreams",
    endpointKey: "name",
    uniqueFields: ["name"],
    foreignKeys: { client_certificate: { entity: "certificates", onDelete: "restrict" } },
    schema: upstreamSchema,
    prepare: applyUpstreamShorthands,
    check: checkUpstream,
  },
  targets: {
    name: "targets",
    // Kong's endpoint key is `target`, unique only within its upstream: endpoints/upstream-targets.ts
    // resolves it there, so no global lookup by it exists.
    endpointKey: undefined,
    uniqueFields: [],
    foreignKeys: { upstream: { entity: "upstreams", onDelete: "cascade" } },
    schema: targetSchema,
    prepare: normalizeTarget,
  },
  vaults: {
    name: "vaults",
    endpointKey: "prefix",
    uniqueFields: ["prefix"],
    foreignKeys: {},
    schema: vaultSchema,
    check: checkVault,
  },
  key_sets: {
    name: "key_sets",
    endpointKey: "name",
    uniqueFields: ["name"],
    foreignKeys: {},
    schema: keySetSchema,
  },
  keys: {
    name: "keys",
    endpointKey: "name",
    uniqueFields: ["name"],
    foreignKeys: { set: { entity: "key_sets", onDelete: "cascade" } },
    schema: keySchema,
    check: checkKey,
  },
};
