import type { Router } from "@koa/router";
import type Koa from "koa";
import { KongError, notFound, reportedHealth, splitTarget, type Target, type Upstream, type UpstreamHealthSource } from "@tether/core";
import { readBody } from "../http/body.ts";
import { isUuid, mustFind } from "../entities/lookup.ts";
import { buildEntity, type WriteContext } from "../entities/write.ts";
import { intentOf } from "./collections.ts";
import { listBody, parseSize } from "./list.ts";

type Ctx = Koa.ParameterizedContext<Koa.DefaultState, Koa.DefaultContext & { params: Record<string, string> }>;

export interface UpstreamTargetsOptions {
  nodeId: string;
  /** This node's balancer health (the proxy's, or with workers the primary's copy they share); absent: none. */
  health?: UpstreamHealthSource | undefined;
}

/**
 * Kong's kong/api/routes/upstreams.lua: targets live under their upstream and are named there by
 * id or by `target` (unique only within the upstream); `PUT` on a target updates it as `PATCH`
 * does; `/health` lists the targets with this node's view of them.
 */
export function mountUpstreamTargets(router: Router, write: WriteContext, options: UpstreamTargetsOptions): void {
  const targets = () => write.store.daos.targets;
  const upstreamOf = (ctx: Ctx): Promise<Upstream> => mustFind(write.store, "upstreams", ctx.params["upstreams"]!);

  /** The target the URL names within the upstream (Kong compares `target` as given: `host:port`). */
  const targetOf = async (ctx: Ctx, upstream: Upstream): Promise<Target> => {
    const key = ctx.params["targets"]!;
    const found = isUuid(key)
      ? await targets().get(key.toLowerCase())
      : (await targets().all()).find((t) => t.upstream.id === upstream.id && t.target === key);
    if (!found || found.upstream.id !== upstream.id) throw notFound();
    return found;
  };

  const base = "/upstreams/:upstreams/targets";
  router.get(base, async (ctx: Ctx) => {
    const upstream = await upstreamOf(ctx);
    const size = parseSize(ctx.query["size"]);
    const offset = typeof ctx.query["offset"] === "string" ? ctx.query["offset"] : undefined;
    ctx.body = listBody(await targets().list({ size, offset, foreign: { field: "upstream", id: upstream.id } }), ctx.path);
  });

  router.post(base, async (ctx: Ctx) => {
    const upstream = await upstreamOf(ctx);
    const entity = await buildEntity(write, "targets", await readBody(ctx.req), { mode: "create" }, { field: "upstream", id: upstream.id });
    ctx.body = await targets().insert(entity);
    ctx.status = 201;
  });

  router.get(`${base}/all`, async (ctx: Ctx) => {
    const upstream = await upstreamOf(ctx);
    const size = parseSize(ctx.query["size"]);
    const offset = typeof ctx.query["offset"] === "string" ? ctx.query["offset"] : undefined;
    ctx.body = listBody(await targets().list({ size, offset, foreign: { field: "upstream", id: upstream.id } }), ctx.path);
  });

  router.get(`${base}/:targets`, async (ctx: Ctx) => {
    ctx.body = await targetOf(ctx, await upstreamOf(ctx));
  });

  const update = async (ctx: Ctx): Promise<void> => {
    const upstream = await upstreamOf(ctx);
    const existing = await targetOf(ctx, upstream);
    const body = await readBody(ctx.req);
    const entity = await buildEntity(write, "targets", body, { mode: "merge", existing: existing as unknown as Record<string, unknown> }, {
      field: "upstream",
      id: upstream.id,
    });
    ctx.body = await targets().update(entity, intentOf("targets", existing.id));
  };
  router.patch(`${base}/:targets`, update);
  router.put(`${base}/:targets`, update);

  router.delete(`${base}/:targets`, async (ctx: Ctx) => {
    const target = await targetOf(ctx, await upstreamOf(ctx));
    await targets().delete(target.id);
    ctx.status = 204;
  });

  for (const [suffix, healthy] of [["healthy", true], ["unhealthy", false]] as const)
    router.put(`${base}/:targets/${suffix}`, async (ctx: Ctx) => {
      const upstream = await upstreamOf(ctx);
      const target = await targetOf(ctx, upstream);
      // Kong's balancer.post_health: no healthchecker (checks off, or none on this node) is a 400.
      if (!options.health || reportedHealth(upstream, 1, undefined) === "HEALTHCHECKS_OFF")
        throw new KongError(400, { message: `no healthchecker found for ${upstream.name}` });
      options.health.setHealthy(upstream.id, target.target, healthy);
      ctx.status = 204;
    });

  router.get("/upstreams/:upstreams/health", async (ctx: Ctx) => {
    const upstream = await upstreamOf(ctx);
    const all = (await targets().all()).filter((t) => t.upstream.id === upstream.id);
    const data = all.map((t) => {
      const health = reportedHealth(upstream, t.weight, options.health?.isHealthy(upstream.id, t.target));
      const { host, port } = splitTarget(t.target);
      const available = health === "UNHEALTHY" ? 0 : t.weight;
      return {
        ...t,
        health,
        data: {
          host,
          port,
          nodeWeight: t.weight,
          weight: { total: t.weight, available, unavailable: t.weight - available },
          addresses: [{ ip: host, port, health, weight: t.weight }],
        },
      };
    });
    ctx.body = { data, next: null, node_id: options.nodeId };
  });
}
