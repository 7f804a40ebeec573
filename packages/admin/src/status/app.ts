import { Router } from "@koa/router";
import Koa from "koa";
import type { Logger } from "@tether/core";
import { isDbless } from "../entities/lookup.ts";
import { mountStatus, type StatusSources } from "../endpoints/info.ts";
import { mountMetrics, type MetricsSource } from "../endpoints/metrics.ts";
import { allowedMethodsMiddleware } from "../http/allowed-methods.ts";
import { readBody } from "../http/body.ts";
import { errorMiddleware } from "../http/errors.ts";
import { readiness } from "./ready.ts";

export interface StatusApiOptions extends StatusSources {
  version: string;
  log: Logger;
  metrics: MetricsSource;
  /** The node's proxy processes: how many it runs, and how many have built their configuration. */
  proxies: { workers: number; ready(): number };
}

/** `status=draining`, from the query, a form or a JSON body (Kong's `self.params`). */
async function requestedStatus(ctx: Koa.Context): Promise<unknown> {
  const body = await readBody(ctx.req);
  const fields = body.kind === "none" ? {} : (body.value as Record<string, unknown> | null) ?? {};
  return typeof fields === "object" && "status" in fields ? fields["status"] : ctx.query["status"];
}

/**
 * Kong's Status API (`status_listen`): read-only, for monitoring tools and load balancers. The
 * same `GET /status` as the Admin API, `GET /status/ready` (readiness, status/ready.ts; `POST`
 * with `status=draining` turns it to 503 for good, as `kong drain` does), and `GET /metrics`.
 * No Admin API token: nothing here changes or reveals the configuration.
 */
export function createStatusApp(options: StatusApiOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  const router = new Router();
  let draining = false;
  mountStatus(router, options);
  router.get("/status/ready", async (ctx) => {
    const { store } = options;
    const state = readiness({
      draining,
      databaseReachable: await store.reachable(),
      dbless: isDbless(store),
      workers: options.proxies.workers,
      proxiesReady: options.proxies.ready(),
      configurationHash: isDbless(store) ? store.configurationHash : undefined,
    });
    ctx.status = state.ready ? 200 : 503;
    ctx.body = { message: state.ready ? "ready" : state.message };
  });
  router.post("/status/ready", async (ctx) => {
    if ((await requestedStatus(ctx)) !== "draining") {
      ctx.status = 400;
      ctx.body = "";
      return;
    }
    if (!draining) options.log.info("draining: /status/ready answers 503 from now on");
    draining = true;
    ctx.status = 204;
  });
  mountMetrics(router, options.metrics);

  app.use(async (ctx, next) => {
    ctx.set("Server", `tether/${options.version}`);
    await next();
  });
  app.use(errorMiddleware(options.log));
  app.use(router.routes());
  app.use(allowedMethodsMiddleware());
  return app;
}
