import { ApiError } from "../api.ts";
import { routeLabelOf } from "../binding-counts.ts";
import { h, table } from "../dom.ts";
import { outcomeText, tokenFacts, verdict, type Explanation } from "../explanation.ts";
import { schemaForm } from "../form.ts";
import type { FieldEntry, KongField } from "../schema.ts";
import { errorBanner, heading, type View } from "./view.ts";

/** The question's fields (the Admin API's request schema, packages/admin/src/endpoints/explain.ts), and the route. */
function fields(routes: string[]): FieldEntry[] {
  const text = (description: string, multiline = false): KongField => ({ type: "string", description, multiline });
  return [
    { route: { type: "string", required: true, one_of: routes, description: "The route the client called." } },
    { token: { ...text(`The access token the client sent, without its "Bearer " or "DPoP " prefix. It is sent to the Admin API for this check only and kept nowhere.`, true), required: true } },
    { certificate: text("The client certificate the client presented (PEM; its chain may follow). Empty: none was presented.", true) },
    { dpop: text("A DPoP proof (RFC 9449): sent as the DPoP header, with Authorization: DPoP.", true) },
    { method: text("Defaults to the route's first method, else GET.") },
    { path: text("Defaults to the route's first plain path, else /.") },
    { host: text("Defaults to the route's first host.") },
  ];
}

function facts(pairs: [string, string][]): HTMLElement {
  return h("dl", { class: "facts" }, pairs.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** The answer: the verdict first, then each reason the explainer gives. */
function report(e: Explanation): HTMLElement {
  const r = e.request;
  const outcome = outcomeText(e);
  const body = e.response?.body;
  return h(
    "div",
    { class: "explanation", "data-passes": String(e.passes) },
    h(
      "div",
      { class: `verdict ${e.passes ? "pass" : "refused"}`, role: "status" },
      h("strong", {}, verdict(e)),
      e.wwwAuthenticate ? h("p", {}, "WWW-Authenticate: ", h("code", {}, e.wwwAuthenticate)) : null,
      body !== undefined ? h("p", {}, "Body: ", h("code", {}, JSON.stringify(body))) : null,
      outcome ? h("p", { class: "outcome" }, outcome) : null,
    ),
    h("p", { class: "hint" }, `Route ${e.route.name ?? e.route.id} (${e.route.id}), configuration version ${e.configVersion}. Request: ${r.method} ${r.path} on ${r.host} (${r.scheme}), Authorization: ${r.authorization}, client certificate: ${r.certificate ? "yes" : "no"}.`),
    h("h2", {}, "Plugins, in the order they run"),
    table(["Plugin", "Priority", "Result"], e.steps.map((s) => [s.name, String(s.priority), h("span", { class: s.result === "continued" ? "yes" : s.result === "answered" || s.result === "failed" ? "expired" : "no" }, s.result.replace("_", " "))]), "No plugins run on this route."),
    h("h2", {}, "The token, and what the client presented"),
    facts(tokenFacts(e)),
    e.logs.length ? [h("h2", {}, "What the plugins logged"), h("ul", { class: "logs" }, e.logs.map((l) => h("li", {}, `${l.level} ${l.message}${l.fields ? ` ${JSON.stringify(l.fields)}` : ""}`)))] : null,
  );
}

/**
 * `#/explain?route=<name or id>`: "why was I refused?" as a page. The route's plugins decide on the
 * request described (POST /routes/{route}/explain); nothing of the token is stored, and the form
 * is emptied when the page is left.
 */
export const explainView: View = async (ctx) => {
  const routes = (await ctx.api.all("/routes")).map(routeLabelOf).sort();
  const preselected = ctx.query.get("route");
  const form = schemaForm(fields(routes), preselected ? { route: preselected } : undefined);
  const status = h("div", { class: "form-status" });
  const result = h("div", { class: "explain-result" });
  const element = h("form", { class: "entity-form", novalidate: true, autocomplete: "off" }, status, form.element, h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Explain")));
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const { route, ...body } = form.read();
      status.replaceChildren();
      result.replaceChildren();
      form.showErrors(route ? {} : { route: "required field missing" });
      if (!route) return;
      try {
        const answer = await ctx.api.request("POST", `/routes/${encodeURIComponent(String(route))}/explain`, body);
        result.replaceChildren(report(answer as unknown as Explanation));
      } catch (error) {
        if (!(error instanceof ApiError)) return ctx.fail(error);
        const left = form.showErrors(error.body["fields"]);
        status.replaceChildren(errorBanner([error.message, ...left].join(" — ")));
      }
    })();
  });
  ctx.onLeave(() => {
    element.reset();
    result.replaceChildren();
  });
  return h(
    "section",
    {},
    heading("Why was I refused?"),
    h("p", { class: "hint" }, "Describe the request a client made: the route's plugins, as the proxy runs them, decide on it without forwarding anything, and the answer says why."),
    element,
    result,
  );
};
