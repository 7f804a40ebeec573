import { Router } from "@koa/router";
import Koa from "koa";
import type { Logger } from "@tether/core";
import { mountCollection, type CollectionSpec } from "./endpoints/collections.ts";
import { mountInfo, type InfoOptions } from "./endpoints/info.ts";
import type { WriteContext } from "./entities/write.ts";
import { adminTokenMiddleware } from "./http/auth.ts";
import { errorMiddleware } from "./http/errors.ts";

export interface AdminOptions extends InfoOptions {
  log: Logger;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  adminToken?: string | undefined;
}

/** Kong's Admin API collections this gateway serves, top-level and nested. */
const collections: CollectionSpec[] = [
  { kind: "services", path: "/services" },
  { kind: "routes", path: "/routes" },
  { kind: "consumers", path: "/consumers" },
  { kind: "plugins", path: "/plugins" },
  { kind: "routes", path: "/services/:parent/routes", parent: { kind: "services", field: "service", param: "parent" } },
  { kind: "plugins", path: "/services/:parent/plugins", parent: { kind: "services", field: "service", param: "parent" } },
  { kind: "plugins", path: "/routes/:parent/plugins", parent: { kind: "routes", field: "route", param: "parent" } },
  { kind: "plugins", path: "/consumers/:parent/plugins", parent: { kind: "consumers", field: "consumer", param: "parent" } },
  { kind: "certificates", path: "/certificates" },
  { kind: "snis", path: "/snis" },
  { kind: "snis", path: "/certificates/:parent/snis", parent: { kind: "certificates", field: "certificate", param: "parent" } },
  { kind: "ca_certificates", path: "/ca_certificates" },
  { kind: "mtls_auth_credentials", path: "/mtls-auths" },
  {
    kind: "mtls_auth_credentials",
    path: "/consumers/:parent/mtls-auth",
    parent: { kind: "consumers", field: "consumer", param: "parent" },
  },
];

export function createAdminApp(options: AdminOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  const router = new Router();
  const write: WriteContext = { store: options.store, plugins: options.plugins };
  mountInfo(router, options); // before collections: /plugins/enabled must win over /plugins/{id}
  for (const spec of collections) mountCollection(router, write, spec);

  app.use(errorMiddleware(options.log));
  app.use(adminTokenMiddleware(options.adminToken));
  app.use(router.routes());
  // Not `throw: true`: the thrown error would not carry the Allow header that 405 needs.
  // errorMiddleware gives the bare 405/501 answered here Kong's body.
  app.use(router.allowedMethods());
  return app;
}
