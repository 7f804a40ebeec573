import { ApiError } from "../api.ts";
import { bindingOf } from "../binding.ts";
import { bindingCounts, countsText, routeLabelOf } from "../binding-counts.ts";
import { cellText, h, table } from "../dom.ts";
import { errorBanner, heading, link, type View } from "./view.ts";

/** How often the counts are read again while the page is shown. */
const REFRESH_MS = 3_000;

/**
 * Per route: is a client certificate requested, under which SNIs, the proof-of-possession mode,
 * the IdP; and, live from `GET /metrics`, how the binding was decided and why requests were refused.
 */
export const bindingView: View = async (ctx) => {
  const [routes, plugins] = await Promise.all([ctx.api.all("/routes"), ctx.api.all("/plugins")]);
  const counted = routes.map((route) => ({ label: routeLabelOf(route), outcomes: h("td", { class: "counts outcomes" }, "–"), refusals: h("td", { class: "counts refusals" }, "–") }));
  const rows = routes.map((route, i) => {
    const b = bindingOf(route, plugins);
    return h(
      "tr",
      { "data-route": counted[i]!.label },
      h("td", {}, link(`#/routes/${route["id"]}/edit`, cellText(route["name"] ?? route["id"]))),
      h("td", {}, cellText(route["paths"] ?? route["hosts"])),
      h("td", {}, b.certificateRequestedBy ? h("span", { class: "yes" }, `requested (${b.certificateRequestedBy})`) : h("span", { class: "no" }, "not requested")),
      h("td", {}, b.snis.length ? b.snis.join(", ") : "any SNI"),
      h("td", {}, h("span", { class: b.mtls === "strict" ? "yes" : "" }, b.mtls)),
      h("td", {}, h("span", { class: b.dpop === "strict" ? "yes" : "" }, b.dpop)),
      h("td", {}, b.issuer ?? "–"),
      counted[i]!.outcomes,
      counted[i]!.refusals,
      h("td", {}, link(`#/explain?route=${encodeURIComponent(counted[i]!.label)}`, "Why refused?")),
    );
  });
  const headers = ["Route", "Matches", "Client certificate", "SNIs", "PoP mTLS", "PoP DPoP", "IdP (issuer)", "Binding outcomes", "Refusals", ""];
  const status = h("div", { class: "metrics-status" });

  const refresh = async (): Promise<void> => {
    try {
      const counts = bindingCounts(await ctx.api.text("/metrics"));
      for (const row of counted) {
        row.outcomes.textContent = countsText(counts.get(row.label)?.outcomes) ?? "–";
        row.refusals.textContent = countsText(counts.get(row.label)?.refusals) ?? "–";
      }
      status.replaceChildren(h("p", { class: "hint" }, `Counts since the node started (tether_auth_binding_total, tether_auth_refusals_total), read ${new Date().toLocaleTimeString()}; refreshed every ${REFRESH_MS / 1000} s.`));
    } catch (error) {
      // The rest of the page stands without the counts.
      const why = error instanceof ApiError ? `answered ${error.status}${error.body["message"] ? `: ${String(error.body["message"])}` : ""}` : `could not be read (${error instanceof Error ? error.message : String(error)})`;
      status.replaceChildren(errorBanner(`No live counts: GET /metrics ${why}.`));
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  ctx.onLeave(() => clearInterval(timer));

  return h(
    "section",
    {},
    heading("Certificate binding"),
    h("p", { class: "hint" }, "For each route: whether the TLS handshake asks for a client certificate (tls-handshake-modifier or mtls-auth), under which SNIs, how openid-connect binds tokens to it (RFC 8705 mTLS, RFC 9449 DPoP), and how often the binding matched or requests were refused. Consumer-scoped plugins are not shown."),
    status,
    routes.length ? h("table", { class: "binding" }, h("thead", {}, h("tr", {}, headers.map((text) => h("th", {}, text)))), h("tbody", {}, rows)) : table(headers, [], "No routes yet."),
  );
};
