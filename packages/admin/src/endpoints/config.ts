/**
 * `/config` (kong/api/routes/config.lua): a DB-less node's whole configuration, read back as
 * YAML (GET) or replaced at once (POST). Any other node answers 400. Decisions live in
 * declarative/config-request.ts (what the request carries), config-errors.ts and
 * flatten-errors.ts (Kong's error bodies), load-lock.ts (one load at a time); this file reads the
 * body, loads, and answers.
 */
import type { IncomingMessage } from "node:http";
import type { Router } from "@koa/router";
import { KongError, type ConfigData, type Logger } from "@tether/core";
import type { Store } from "@tether/store";
import { buildDeclarativeStore } from "../declarative/build-store.ts";
import { invalidDeclarativeConfig, kongFields } from "../declarative/config-errors.ts";
import { configInput, configOptions, type ConfigBody } from "../declarative/config-request.ts";
import { toDocument } from "../declarative/export.ts";
import { flattenErrors } from "../declarative/flatten-errors.ts";
import { LOAD_ORDER } from "../declarative/layout.ts";
import { LoadLock } from "../declarative/load-lock.ts";
import { renderDeclarative } from "../declarative/yaml.ts";
import { isDbless } from "../entities/lookup.ts";
import type { PluginRegistry } from "../entities/write.ts";
import { decodeBody, readRawBody } from "../http/body.ts";

/** Kong's Admin API takes bodies up to 10 MiB (`nginx_admin_client_max_body_size`); whole configurations need it. */
export const CONFIG_BODY_LIMIT = 10 * 1024 * 1024;

const YAML_TYPES = new Set(["application/yaml", "text/yaml"]);

const notDbless = (): KongError =>
  new KongError(400, { message: "this endpoint is only available when Kong is configured to not use a database" });

/** What `POST /config` answers on success: every entity loaded, by collection and id (Kong's flattened entities). */
export function entitiesById(data: ConfigData): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const kind of LOAD_ORDER) if (data[kind].length > 0) out[kind] = Object.fromEntries(data[kind].map((entity) => [entity.id, entity]));
  return out;
}

/** The body as /config reads it: YAML is accepted here only; anything else as every Admin API body. */
async function readConfigBody(req: IncomingMessage): Promise<{ body: ConfigBody; raw: string }> {
  const body = await readRawBody(req, CONFIG_BODY_LIMIT);
  const raw = body.raw.toString("utf8");
  if (YAML_TYPES.has(body.mime)) return { body: raw.length ? { kind: "yaml", value: raw } : { kind: "none" }, raw };
  return { body: await decodeBody(body), raw };
}

export interface ConfigEndpointOptions {
  store: Store;
  plugins: PluginRegistry;
  log: Logger;
}

export function mountConfig(router: Router, { store, plugins, log }: ConfigEndpointOptions): void {
  const lock = new LoadLock();

  router.get("/config", async (ctx) => {
    if (!isDbless(store)) throw notDbless();
    const { version: _, ...snapshot } = await store.load();
    ctx.body = { config: renderDeclarative(toDocument(snapshot)) };
  });

  router.post("/config", async (ctx) => {
    const { body, raw } = await readConfigBody(ctx.req);
    if (!isDbless(store)) throw notDbless();
    const options = configOptions(ctx.query);
    const input = configInput(body, raw);
    if (input.kind === "unreadable") throw invalidDeclarativeConfig({ error: input.error });
    if (options.checkHash && input.ofText && input.hash === store.configurationHash) {
      ctx.status = 304;
      return;
    }
    const acquired = lock.acquire();
    if (!acquired.ok) {
      ctx.set("Retry-After", String(acquired.retryAfter));
      throw new KongError(429, { message: "Currently loading previous configuration" });
    }
    try {
      // A copy: loading fills defaults into nested records, and errors show the entities as sent.
      const built = await buildDeclarativeStore(structuredClone(input.doc), plugins);
      if (!built.ok) {
        const fields = kongFields(built.errors);
        if (!options.flattenErrors) throw invalidDeclarativeConfig(fields);
        const flat = flattenErrors(input.doc, fields);
        throw invalidDeclarativeConfig(flat.fields, { flattened_errors: flat.flattened });
      }
      const loaded = entitiesById(await built.store.load());
      const version = await store.replace(built.store, input.hash);
      log.info("declarative configuration loaded", { source: "POST /config", version, hash: input.hash });
      ctx.status = 201;
      ctx.body = loaded;
    } finally {
      acquired.release();
    }
  });
}
