import { bindingOf } from "../binding.ts";
import { cellText, h, table } from "../dom.ts";
import { heading, link, type View } from "./view.ts";

/** Per route: is a client certificate requested, under which SNIs, the proof-of-possession mode, the IdP. */
export const bindingView: View = async ({ api }) => {
  const [routes, plugins] = await Promise.all([api.all("/routes"), api.all("/plugins")]);
  const rows = routes.map((route) => {
    const b = bindingOf(route, plugins);
    return [
      link(`#/routes/${route["id"]}/edit`, cellText(route["name"] ?? route["id"])),
      cellText(route["paths"] ?? route["hosts"]),
      b.certificateRequestedBy ? h("span", { class: "yes" }, `requested (${b.certificateRequestedBy})`) : h("span", { class: "no" }, "not requested"),
      b.snis.length ? b.snis.join(", ") : "any SNI",
      h("span", { class: b.mtls === "strict" ? "yes" : "" }, b.mtls),
      h("span", { class: b.dpop === "strict" ? "yes" : "" }, b.dpop),
      b.issuer ?? "–",
    ];
  });
  return h(
    "section",
    {},
    heading("Certificate binding"),
    h("p", { class: "hint" }, "For each route: whether the TLS handshake asks for a client certificate (tls-handshake-modifier or mtls-auth), under which SNIs, and how openid-connect binds tokens to it (RFC 8705 mTLS, RFC 9449 DPoP). Consumer-scoped plugins are not shown."),
    table(["Route", "Matches", "Client certificate", "SNIs", "PoP mTLS", "PoP DPoP", "IdP (issuer)"], rows, "No routes yet."),
  );
};
