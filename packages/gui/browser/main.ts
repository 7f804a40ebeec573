import { AdminApi, Unauthorized } from "./api.ts";
import { button, h } from "./dom.ts";
import type { GuiConfig } from "./gui-config.ts";
import { KINDS } from "./kinds.ts";
import { match, parseHash } from "./router.ts";
import { bindingView } from "./views/binding.ts";
import { explainView } from "./views/explain.ts";
import { formView, listView, serviceView } from "./views/entities.ts";
import { loginView } from "./views/login.ts";
import { overview } from "./views/overview.ts";
import { pluginEditView, pluginNewView } from "./views/plugins.ts";
import { errorBanner, type View, type ViewContext } from "./views/view.ts";


/** First match wins: the specific plugin and service pages before the generic entity ones. */
const VIEWS: [string, View][] = [
  ["", overview],
  ["binding", bindingView],
  ["explain", explainView],
  ["plugins/new", pluginNewView],
  ["plugins/:id/edit", pluginEditView],
  [":kind/new", formView], // before services/:id, which would take "new" for an id
  ["services/:id", serviceView],
  ["services/:service/routes/new", (ctx) => formView({ ...ctx, params: { ...ctx.params, kind: "routes" } })],
  [":kind", listView],
  [":kind/:id/edit", formView],
];

function sidebar(): HTMLElement {
  const item = (hash: string, text: string): HTMLElement => h("li", {}, h("a", { href: hash, "data-nav": hash }, text));
  return h(
    "nav",
    { class: "sidebar", "aria-label": "Main" },
    h("ul", {}, item("#/", "Overview"), KINDS.map((k) => item(`#/${k.kind}`, k.title)), item("#/binding", "Certificate binding"), item("#/explain", "Why was I refused?")),
  );
}

async function boot(): Promise<void> {
  const root = document.getElementById("app")!;
  const config = (await (await fetch("/config.json")).json()) as GuiConfig;
  const main = h("main", { id: "view" });
  const logout = h("span", { class: "session" });
  root.replaceChildren(h("header", { class: "topbar" }, h("a", { href: "#/", class: "brand" }, "Tether Manager"), h("span", { class: "version" }, config.version), logout), h("div", { class: "layout" }, sidebar(), main));
  if (!config.adminApiUrl) {
    main.replaceChildren(errorBanner("The Admin API is off on this node (admin_listen = off): there is nothing to manage."));
    return;
  }
  const api = new AdminApi(config.adminApiUrl);

  const show = (error: unknown): void => {
    if (error instanceof Unauthorized) main.replaceChildren(loginView(api, () => void render()));
    else main.replaceChildren(errorBanner(error instanceof Error ? error.message : String(error)));
  };

  // The latest render, and what its view asked to undo when it is replaced.
  let shown = 0;
  let leave = (): void => {};

  const render = async (): Promise<void> => {
    leave();
    const mine = ++shown;
    const cleanups: (() => void)[] = [];
    leave = () => cleanups.splice(0).forEach((cleanup) => cleanup());
    const { parts, query } = parseHash(location.hash);
    const current = `#/${parts[0] ?? ""}`;
    for (const a of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) a.classList.toggle("active", a.dataset["nav"] === current);
    const found = VIEWS.map(([pattern, view]) => [match(pattern, parts), view] as const).find(([params]) => params !== undefined);
    if (!found) return show(new Error(`No page at ${location.hash}`));
    const ctx: ViewContext = {
      api,
      params: found[0]!,
      query,
      go: (hash) => (location.hash === hash ? void render() : void (location.hash = hash)),
      fail: show,
      // A view that finishes after a newer render began is never shown: undo at once.
      onLeave: (cleanup) => (mine === shown ? void cleanups.push(cleanup) : cleanup()),
    };
    main.setAttribute("aria-busy", "true");
    try {
      const view = await found[1](ctx);
      if (mine === shown) main.replaceChildren(view);
    } catch (error) {
      if (mine === shown) show(error);
    } finally {
      if (mine === shown) {
        main.removeAttribute("aria-busy");
        // After the view: a login sets the token on the way.
        logout.replaceChildren(api.token ? button("Log out", () => ((api.token = null), void render())) : "");
      }
    }
  };
  window.addEventListener("hashchange", () => void render());
  await render();
}

void boot();
