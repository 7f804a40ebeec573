import { Router } from "@koa/router";
import Koa from "koa";
import type { Logger, UpstreamHealthSource } from "@tether/core";
import { mountCertificates } from "./endpoints/certificates.ts";
import { mountCollection, type CollectionSpec } from "./endpoints/collections.ts";
import { mountConfig } from "./endpoints/config.ts";
import { mountConsumerSearch } from "./endpoints/consumer-search.ts";
import { mountEndpoints } from "./endpoints/endpoints.ts";
import { mountExplain, type RouteExplainer } from "./endpoints/explain.ts";
import { mountDisabled, mountForeignEntity, type ForeignEntitySpec } from "./endpoints/foreign-entity.ts";
import { mountInfo, type InfoOptions } from "./endpoints/info.ts";
import { mountMetrics, type MetricsSource } from "./endpoints/metrics.ts";
import { mountPluginRoutes } from "./endpoints/plugin-routes.ts";
import { pluginAdminRoutes } from "@tether/plugins";
import { mountSchemas } from "./endpoints/schemas.ts";
import { mountTags } from "./endpoints/tags.ts";
import { mountUpstreamTargets } from "./endpoints/upstream-targets.ts";
import type { WriteContext } from "./entities/write.ts";
import { allowedMethodsMiddleware } from "./http/allowed-methods.ts";
import { adminTokenMiddleware } from "./http/auth.ts";
import { adminGuiOrigins, corsMiddleware } from "./http/cors.ts";
import { errorMiddleware } from "./http/errors.ts";
import { responseHeadersMiddleware } from "./http/response-headers.ts";

export interface AdminOptions extends InfoOptions {
  log: Logger;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  adminToken?: string | undefined;
  /** `GET /metrics` (the prometheus plugin's Admin API endpoint) serves this exposition. */
  metrics?: MetricsSource;
  /** `POST /routes/{route}/explain` runs the route's plugins dry through this (where a proxy's configuration is at hand). */
  explain?: RouteExplainer;
  /** This node's upstream health (`GET /upstreams/{u}/health`, `PUT …/healthy`): the proxy's, or the workers' shared through the primary. */
  upstreamHealth?: UpstreamHealthSource;
}

/** Kong's Admin API collections this gateway serves, top-level and nested. */
const collections: CollectionSpec[] = [
  { kind: "services", path: "/services" },
  { kind: "routes", path: "/routes" },
  { kind: "consumers", path: "/consumers" },
  { kind: "plugins", path: "/plugins" },
  { kind: "routes", path: "/services/:services/routes", parent: { kind: "services", field: "service", param: "services" } },
  { kind: "plugins", path: "/services/:services/plugins", parent: { kind: "services", field: "service", param: "services" } },
  { kind: "plugins", path: "/routes/:routes/plugins", parent: { kind: "routes", field: "route", param: "routes" } },
  { kind: "plugins", path: "/consumers/:consumers/plugins", parent: { kind: "consumers", field: "consumer", param: "consumers" } },
  // /certificates and /certificates/{certificates}: endpoints/certificates.ts (`snis` shorthand, SNI names as keys)
  { kind: "snis", path: "/snis" },
  { kind: "snis", path: "/certificates/:certificates/snis", parent: { kind: "certificates", field: "certificate", param: "certificates" } },
  {
    kind: "services",
    path: "/certificates/:certificates/services",
    parent: { kind: "certificates", field: "client_certificate", param: "certificates" },
  },
  { kind: "ca_certificates", path: "/ca_certificates" },
  { kind: "vaults", path: "/vaults" }, // Kong's env vault under a prefix: docs/vaults.md
  { kind: "upstreams", path: "/upstreams" },
  {
    kind: "upstreams",
    path: "/certificates/:certificates/upstreams",
    parent: { kind: "certificates", field: "client_certificate", param: "certificates" },
  },
  { kind: "key_sets", path: "/key-sets" }, // Kong's admin_api_name; the path parameter keeps `key_sets`
  { kind: "keys", path: "/keys" },
  { kind: "keys", path: "/key-sets/:key_sets/keys", parent: { kind: "key_sets", field: "set", param: "key_sets" } },
  { kind: "mtls_auth_credentials", path: "/mtls-auths" },
  {
    kind: "mtls_auth_credentials",
    path: "/consumers/:consumers/mtls-auth",
    parent: { kind: "consumers", field: "consumer", param: "consumers" },
    strictDelete: true,
  },
];

/** Entities reached through the foreign key of their owner, as Kong generates them. */
const foreignEntities: ForeignEntitySpec[] = [
  { kind: "routes", path: "/routes/:routes/service", field: "service", target: "services" },
  { kind: "plugins", path: "/plugins/:plugins/service", field: "service", target: "services" },
  { kind: "plugins", path: "/plugins/:plugins/route", field: "route", target: "routes" },
  { kind: "plugins", path: "/plugins/:plugins/consumer", field: "consumer", target: "consumers" },
  { kind: "keys", path: "/keys/:keys/set", field: "set", target: "key_sets" },
  {
    kind: "mtls_auth_credentials",
    path: "/mtls-auths/:mtls_auth_credentials/consumer",
    field: "consumer",
    target: "consumers",
    readOnly: true,
  },
];

export function createAdminApp(options: AdminOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  const router = new Router();
  const write: WriteContext = { store: options.store, plugins: options.plugins };
  mountInfo(router, options); // before collections: /plugins/enabled must win over /plugins/{id}
  if (options.metrics) mountMetrics(router, options.metrics);
  mountPluginRoutes(router, pluginAdminRoutes, options.store); // /openid-connect/issuers, /openid-connect/jwks
  mountEndpoints(router);
  mountSchemas(router, write); // before foreign entities: /plugins/schema/{name} is not a plugin's
  mountTags(router, options.store);
  mountConfig(router, options); // DB-less: the whole configuration at once
  mountConsumerSearch(router, options.store); // before collections: it hands over when there is no ?custom_id
  if (options.explain) mountExplain(router, options.store, options.explain);
  mountCertificates(router, write);
  // before collections: /upstreams/{u}/health and /upstreams/{u}/targets/… are not upstream items
  mountUpstreamTargets(router, write, { nodeId: options.nodeId, health: options.upstreamHealth });
  for (const spec of collections) mountCollection(router, write, spec);
  for (const spec of foreignEntities) mountForeignEntity(router, write, spec);
  mountDisabled(router, "/snis/:snis/certificate");

  app.use(responseHeadersMiddleware(options.version));
  // admin_gui_url comes in the configuration the node started with, as Kong's conf_loader reads it.
  app.use(corsMiddleware(adminGuiOrigins(options.configuration["admin_gui_url"])));
  app.use(errorMiddleware(options.log));
  app.use(adminTokenMiddleware(options.adminToken));
  app.use(router.routes());
  // What no route handled: Kong's OPTIONS answer, 405 with Allow, or 404.
  app.use(allowedMethodsMiddleware());
  return app;
}
