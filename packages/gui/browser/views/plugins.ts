import type { Json } from "../api.ts";
import { h } from "../dom.ts";
import { schemaForm } from "../form.ts";
import { entries, type FieldEntry, type KongSchema } from "../schema.ts";
import { entityForm } from "./entities.ts";
import { heading, link, type View, type ViewContext } from "./view.ts";

/** Where a plugin applies and whether it runs: the plugin entity's own fields, beside its schema's. */
const SCOPE: FieldEntry[] = [
  { enabled: { type: "boolean", default: true } },
  { service: { type: "foreign", reference: "services", description: "Apply to this gateway service only." } },
  { route: { type: "foreign", reference: "routes", description: "Apply to this route only." } },
  { consumer: { type: "foreign", reference: "consumers", description: "Apply to this consumer only." } },
];

/** The form's fields: the scope, less what the plugin's schema settles itself (a consumer it forbids), then the schema's. */
function pluginFields(schema: KongSchema): FieldEntry[] {
  const own = new Set(entries(schema.fields).map(([name]) => name));
  return [...SCOPE.filter((entry) => !own.has(Object.keys(entry)[0]!)), ...schema.fields];
}

async function pluginSchema(ctx: ViewContext, name: string): Promise<KongSchema> {
  return (await ctx.api.get(`/schemas/plugins/${encodeURIComponent(name)}`)) as unknown as KongSchema;
}

/** Scope given in the fragment (`?service=<id>` from a service's page) as the form's starting value. */
function scopeFrom(query: URLSearchParams): Json {
  const out: Json = {};
  for (const field of ["service", "route", "consumer"]) {
    const id = query.get(field);
    if (id) out[field] = { id };
  }
  return out;
}

/** `#/plugins/new`: pick a plugin the node has, then its form built from `GET /schemas/plugins/{name}`. */
export const pluginNewView: View = async (ctx) => {
  const name = ctx.query.get("name");
  if (!name) {
    const info = await ctx.api.get("/");
    const available = Object.keys(((info["plugins"] as Json | undefined)?.["available_on_server"] ?? {}) as Json).sort();
    const scope = new URLSearchParams(ctx.query);
    const picks = available.map((plugin) => {
      scope.set("name", plugin);
      return h("li", {}, link(`#/plugins/new?${scope.toString()}`, plugin, { class: "plugin-pick" }));
    });
    return h("section", {}, heading("New plugin: choose one"), h("ul", { class: "plugin-picker" }, picks));
  }
  const form = schemaForm(pluginFields(await pluginSchema(ctx, name)), scopeFrom(ctx.query));
  return entityForm(ctx, `New plugin: ${name}`, form, (body) => ctx.api.request("POST", "/plugins", { name, ...body }), "#/plugins");
};

/** `#/plugins/{id}/edit`: the plugin's form filled with what it has. */
export const pluginEditView: View = async (ctx) => {
  const id = ctx.params["id"]!;
  const plugin = await ctx.api.get(`/plugins/${encodeURIComponent(id)}`);
  const name = String(plugin["name"]);
  const form = schemaForm(pluginFields(await pluginSchema(ctx, name)), plugin);
  return entityForm(ctx, `Edit plugin: ${name}`, form, (body) => ctx.api.request("PATCH", `/plugins/${encodeURIComponent(id)}`, body), "#/plugins");
};
