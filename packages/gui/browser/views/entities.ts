import { ApiError, type Json, type Page } from "../api.ts";
import { certificateExpiry } from "../cert-expiry.ts";
import { button, cellText, h, table } from "../dom.ts";
import { schemaForm, type SchemaForm } from "../form.ts";
import { kindNamed, type Kind } from "../kinds.ts";
import type { KongSchema } from "../schema.ts";
import { errorBanner, heading, link, type View, type ViewContext } from "./view.ts";

const PAGE_SIZE = 20;

function kindOf(ctx: ViewContext): Kind {
  const kind = kindNamed(ctx.params["kind"] ?? "");
  if (!kind) throw new Error(`No such page: ${ctx.params["kind"]}`);
  return kind;
}

/** Where an entity's name links to: a service's page (its routes), else its edit form. */
const entityHash = (kind: string, entity: Json): string => (kind === "services" ? `#/services/${entity["id"]}` : `#/${kind}/${entity["id"]}/edit`);

/** A cell: references link to their entity; certificates show when they expire. */
function cell(kind: Kind, column: string, entity: Json): Node | string {
  if (column === "expires") {
    const expiry = typeof entity["cert"] === "string" ? certificateExpiry(entity["cert"]) : undefined;
    if (!expiry) return "–";
    const days = Math.floor((expiry.getTime() - Date.now()) / 86_400_000);
    return h("span", { class: days < 0 ? "expired" : days < 30 ? "expiring" : "" }, `${expiry.toISOString().slice(0, 10)} (${days < 0 ? "expired" : `${days} days`})`);
  }
  const value = entity[column];
  if (typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as Json)["id"] === "string") {
    const target = column === "certificate" ? "certificates" : `${column}s`;
    const id = String((value as Json)["id"]);
    return link(target === "services" ? `#/services/${id}` : `#/${target}/${id}/edit`, id.slice(0, 8));
  }
  if (column === kind.columns[0]) return link(entityHash(kind.kind, entity), cellText(value ?? entity["id"]));
  return cellText(value);
}

/**
 * A paged list (Kong's `size`/`offset`): `path` is the collection (`/services/{id}/routes` for a
 * service's own), `newHash` its create form; `param` names the offset in the fragment (a page with
 * two lists pages them apart).
 */
export async function entityList(ctx: ViewContext, kind: Kind, path: string, newHash: string, here: string, param = "offset"): Promise<HTMLElement> {
  const offset = ctx.query.get(param);
  const page: Page = await ctx.api.page(`${path}?size=${PAGE_SIZE}${offset ? `&offset=${encodeURIComponent(offset)}` : ""}`);
  const status = h("div", { class: "list-status" });
  const remove = (entity: Json) => async (): Promise<void> => {
    if (!confirm(`Delete this ${kind.noun}?`)) return;
    try {
      await ctx.api.request("DELETE", `/${kind.kind}/${entity["id"]}`);
      ctx.go(here);
    } catch (error) {
      if (error instanceof ApiError) status.replaceChildren(errorBanner(error.message));
      else ctx.fail(error);
    }
  };
  const rows = page.data.map((entity) => [
    ...kind.columns.map((column) => cell(kind, column, entity)),
    h("span", { class: "row-actions" }, link(`#/${kind.kind}/${entity["id"]}/edit`, "Edit"), button("Delete", () => void remove(entity)(), { class: "danger" })),
  ]);
  const pager = h(
    "nav",
    { class: "pager" },
    offset ? link(here, "First page") : null,
    page.offset ? link(`${here}?${param}=${encodeURIComponent(page.offset)}`, "Next page", { rel: "next" }) : null,
  );
  return h("div", { class: "list", "data-kind": kind.kind }, status, table([...kind.columns, ""], rows, `No ${kind.noun}s yet.`), pager, h("p", {}, link(newHash, `New ${kind.noun}`, { class: "button" })));
}

export const listView: View = async (ctx) => {
  const kind = kindOf(ctx);
  const here = `#/${kind.kind}`;
  return h("section", {}, heading(kind.title, link(`${here}/new`, `New ${kind.noun}`, { class: "button primary" })), await entityList(ctx, kind, `/${kind.kind}`, `${here}/new`, here));
};

/** A service's page: its fields, its routes and its plugins, as Kong Manager's service detail. */
export const serviceView: View = async (ctx) => {
  const id = ctx.params["id"]!;
  const service = await ctx.api.get(`/services/${encodeURIComponent(id)}`);
  const routes = kindNamed("routes")!;
  const facts = ["id", "name", "protocol", "host", "port", "path", "enabled"].flatMap((k) => [h("dt", {}, k), h("dd", {}, cellText(service[k]))]);
  return h(
    "section",
    {},
    heading(`Gateway Service ${cellText(service["name"] ?? service["id"])}`, link(`#/services/${id}/edit`, "Edit", { class: "button" }), link(`#/plugins/new?service=${id}`, "Add plugin", { class: "button" })),
    h("dl", { class: "facts" }, facts),
    h("h2", {}, "Routes"),
    await entityList(ctx, routes, `/services/${encodeURIComponent(id)}/routes`, `#/services/${id}/routes/new`, `#/services/${id}`),
    h("h2", {}, "Plugins"),
    await entityList(ctx, kindNamed("plugins")!, `/services/${encodeURIComponent(id)}/plugins`, `#/plugins/new?service=${id}`, `#/services/${id}`, "plugins_offset"),
  );
};

/**
 * A create or edit form built from `schema`; Save sends `method` to `path` and shows Kong's field
 * errors at their fields, or goes to `done`.
 */
export function entityForm(ctx: ViewContext, title: string, form: SchemaForm, send: (body: Json) => Promise<unknown>, done: string, extra: Node[] = []): HTMLElement {
  const status = h("div", { class: "form-status" });
  const element = h("form", { class: "entity-form", novalidate: true }, status, extra, form.element, h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Save"), link(done, "Cancel")));
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      try {
        await send(form.read());
        ctx.go(done);
      } catch (error) {
        if (!(error instanceof ApiError)) return ctx.fail(error);
        const left = form.showErrors(error.body["fields"]);
        status.replaceChildren(errorBanner([error.message, ...left].join(" — ")));
      }
    })();
  });
  return h("section", {}, heading(title), element);
}

/** `#/{kind}/new`, `#/{kind}/{id}/edit`, `#/services/{service}/routes/new`. */
export const formView: View = async (ctx) => {
  const kind = kindOf(ctx);
  const id = ctx.params["id"];
  const service = ctx.params["service"];
  const schema = (await ctx.api.get(`/schemas/${kind.kind}`)) as unknown as KongSchema;
  const current = id ? await ctx.api.get(`/${kind.kind}/${encodeURIComponent(id)}`) : undefined;
  const form = schemaForm(schema.fields, current, service ? ["service"] : []);
  const collection = service ? `/services/${encodeURIComponent(service)}/routes` : `/${kind.kind}`;
  const done = service ? `#/services/${service}` : kind.kind === "services" && id ? `#/services/${id}` : `#/${kind.kind}`;
  const send = (body: Json): Promise<unknown> => (id ? ctx.api.request("PATCH", `/${kind.kind}/${encodeURIComponent(id)}`, body) : ctx.api.request("POST", collection, body));
  return entityForm(ctx, id ? `Edit ${kind.noun}` : `New ${kind.noun}`, form, send, done);
};
