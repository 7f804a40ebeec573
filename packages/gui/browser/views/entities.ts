import { ApiError, type AdminApi, type Json } from "../api.ts";
import { routesTrustingCa } from "../ca-routes.ts";
import { certificateExpiry } from "../cert-expiry.ts";
import { button, cellText, h, table } from "../dom.ts";
import { schemaForm, type SchemaForm } from "../form.ts";
import { kindNamed, type Kind } from "../kinds.ts";
import { fieldErrors, type KongSchema } from "../schema.ts";
import { makeSortable } from "../sortable.ts";
import { errorBanner, heading, link, type View, type ViewContext } from "./view.ts";

const PAGE_SIZE = 20;

function kindOf(ctx: ViewContext): Kind {
  const kind = kindNamed(ctx.params["kind"] ?? "");
  if (!kind) throw new Error(`No such page: ${ctx.params["kind"]}`);
  return kind;
}

/** Where an entity's name links to: a service's page (its routes), else its edit form. */
const entityHash = (kind: string, entity: Json): string => (kind === "services" ? `#/services/${entity["id"]}` : `#/${kind}/${entity["id"]}/edit`);

type Cell = (entity: Json) => Node | string;

/** Columns that are no field of the entity but read other collections, loaded once per list. */
const DERIVED: Record<string, (api: AdminApi) => Promise<Cell>> = {
  // A CA certificate's dependants: the routes whose mtls-auth trusts it.
  "routes (mtls-auth)": async (api) => {
    const [routes, plugins] = await Promise.all([api.all("/routes"), api.all("/plugins")]);
    return (ca) => {
      const using = routesTrustingCa(String(ca["id"]), routes, plugins);
      if (!using.length) return h("span", { class: "no" }, "none");
      return h("ul", { class: "inline" }, using.map((route) => h("li", {}, link(`#/routes/${route["id"]}/edit`, cellText(route["name"] ?? route["id"])))));
    };
  },
};

/** A cell: references link to their entity; certificates show when they expire. */
function cell(kind: Kind, column: string, entity: Json, derived: Map<string, Cell>): Node | string {
  const make = derived.get(column);
  if (make) return make(entity);
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

/** Where a list is: its collection, its page, where "New" goes. */
interface ListPlace {
  /** The collection (`/services/{id}/routes` for a service's own). */
  path: string;
  newHash: string;
  /** The list's own page (`#/services`), which its pager links to. */
  here: string;
  /** The offset's name in the fragment (a page with two lists pages them apart). */
  param?: string;
  /** Kong's `?tags=` filter (top-level collections only, as in Kong). */
  tags?: string | null;
}

/** A paged list (Kong's `size`/`offset`), its columns sortable within the page. */
export async function entityList(ctx: ViewContext, kind: Kind, { path, newHash, here, param = "offset", tags }: ListPlace): Promise<HTMLElement> {
  const offset = ctx.query.get(param);
  const query = new URLSearchParams({ size: String(PAGE_SIZE) });
  if (tags) query.set("tags", tags);
  if (offset) query.set("offset", offset);
  const derivedColumns = kind.columns.filter((column) => DERIVED[column]);
  const [page, ...makers] = await Promise.all([ctx.api.page(`${path}?${query.toString()}`), ...derivedColumns.map((column) => DERIVED[column]!(ctx.api))]);
  const derived = new Map(derivedColumns.map((column, i) => [column, makers[i]!]));
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
    ...kind.columns.map((column) => cell(kind, column, entity, derived)),
    h("span", { class: "row-actions" }, link(`#/${kind.kind}/${entity["id"]}/edit`, "Edit"), button("Delete", () => void remove(entity)(), { class: "danger" })),
  ]);
  const pageHash = (at: string | null): string => {
    const q = new URLSearchParams(tags ? { tags } : {});
    if (at) q.set(param, at);
    const text = q.toString();
    return text ? `${here}?${text}` : here;
  };
  const pager = h("nav", { class: "pager" }, offset ? link(pageHash(null), "First page") : null, page.offset ? link(pageHash(page.offset), "Next page", { rel: "next" }) : null);
  const list = table([...kind.columns, ""], rows, tags ? `No ${kind.noun}s with these tags.` : `No ${kind.noun}s yet.`);
  if (list instanceof HTMLTableElement) makeSortable(list);
  return h("div", { class: "list", "data-kind": kind.kind }, status, list, pager, h("p", {}, link(newHash, `New ${kind.noun}`, { class: "button" })));
}

/** Kong's tag filter as a small form: `a,b` wants both tags, `a/b` either. */
function tagFilter(ctx: ViewContext, here: string, tags: string | null, error: string | undefined): HTMLElement {
  const input = h("input", { type: "text", id: "tag-filter", name: "tags", value: tags ?? undefined, placeholder: "tag1,tag2 (all) or tag1/tag2 (any)" });
  const form = h(
    "form",
    { class: `tag-filter${error ? " invalid" : ""}`, role: "search" },
    h("label", { for: "tag-filter" }, "Tags"),
    input,
    h("button", { type: "submit" }, "Filter"),
    tags ? link(here, "Clear") : null,
    h("p", { class: "field-error", "data-error-for": "tags" }, error ?? ""),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    ctx.go(value ? `${here}?${new URLSearchParams({ tags: value }).toString()}` : here);
  });
  return form;
}

export const listView: View = async (ctx) => {
  const kind = kindOf(ctx);
  const here = `#/${kind.kind}`;
  const tags = ctx.query.get("tags");
  let list: HTMLElement;
  let error: string | undefined;
  try {
    list = await entityList(ctx, kind, { path: `/${kind.kind}`, newHash: `${here}/new`, here, tags });
  } catch (failure) {
    // Kong refuses a malformed filter with 400 "invalid options" naming `tags`: show it at the filter.
    const message = failure instanceof ApiError && tags ? fieldErrors(failure.body["options"]).get("tags") : undefined;
    if (message === undefined) throw failure;
    error = message;
    list = h("p", { class: "empty" }, "No list: the tag filter was refused.");
  }
  return h("section", {}, heading(kind.title, link(`${here}/new`, `New ${kind.noun}`, { class: "button primary" })), tagFilter(ctx, here, tags, error), list);
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
    await entityList(ctx, routes, { path: `/services/${encodeURIComponent(id)}/routes`, newHash: `#/services/${id}/routes/new`, here: `#/services/${id}` }),
    h("h2", {}, "Plugins"),
    await entityList(ctx, kindNamed("plugins")!, { path: `/services/${encodeURIComponent(id)}/plugins`, newHash: `#/plugins/new?service=${id}`, here: `#/services/${id}`, param: "plugins_offset" }),
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
