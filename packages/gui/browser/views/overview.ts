import type { Json } from "../api.ts";
import { cellText, h, table } from "../dom.ts";
import { heading, type View } from "./view.ts";

/** Kong's parsed listeners (`configuration.*_listeners`) as rows. */
function listenerRows(what: string, value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  return (value as Json[]).map((l) => [what, `${cellText(l["ip"])}:${cellText(l["port"])}`, l["ssl"] ? "TLS" : "plain", l["http2"] ? "yes" : "no"]);
}

function dl(pairs: [string, unknown][]): HTMLElement {
  return h("dl", { class: "facts" }, pairs.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, cellText(value))]));
}

/** The node at a glance, as Kong Manager's overview: version, edition, listeners, database; GET /status. */
export const overview: View = async ({ api }) => {
  const [info, status] = await Promise.all([api.get("/"), api.get("/status")]);
  const configuration = (info["configuration"] ?? {}) as Json;
  const plugins = (info["plugins"] ?? {}) as Json;
  const available = Object.keys((plugins["available_on_server"] ?? {}) as Json);
  const database = (status["database"] ?? {}) as Json;
  const server = (status["server"] ?? {}) as Json;
  const config = (status["configuration"] ?? {}) as Json;
  return h(
    "section",
    { class: "overview" },
    heading("Overview"),
    h(
      "div",
      { class: "cards" },
      h("article", { class: "card" }, h("h2", {}, "Node"), dl([
        ["Version (Kong compatible)", info["version"]],
        ["Tether version", info["tether_version"]],
        ["Edition", info["edition"]],
        ["Hostname", info["hostname"]],
        ["Node ID", info["node_id"]],
      ])),
      h("article", { class: "card" }, h("h2", {}, "Database"), dl([
        ["Database", configuration["database"]],
        ["Reachable", database["reachable"] ?? "DB-less"],
        ["Configuration version", config["version"]],
        ["Applied by the proxy", config["applied_version"]],
      ])),
      h("article", { class: "card" }, h("h2", {}, "Traffic"), dl(Object.entries(server))),
      h("article", { class: "card" }, h("h2", {}, "Plugins"), dl([
        ["Available", available.length],
        ["In use", cellText(plugins["enabled_in_cluster"]) || "none"],
      ])),
    ),
    h("h2", {}, "Listeners"),
    table(["Listener", "Address", "Transport", "HTTP/2"], [
      ...listenerRows("Proxy", configuration["proxy_listeners"]),
      ...listenerRows("Admin API", configuration["admin_listeners"]),
      ...listenerRows("Admin GUI", configuration["admin_gui_listeners"]),
      ...listenerRows("Status API", configuration["status_listeners"]),
    ]),
  );
};
