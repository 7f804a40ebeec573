import type { Json } from "./json.ts";

const idOf = (ref: unknown): string | undefined => (typeof ref === "object" && ref !== null ? ((ref as Json)["id"] as string | undefined) : undefined);

/**
 * The enabled plugins that run on a route for any consumer, one per name, the most specific
 * winning as in Kong (route, then service, then global).
 */
export function pluginsOnRoute(route: Json, plugins: Json[]): Map<string, Json> {
  const service = idOf(route["service"]);
  const rank = (p: Json): number => {
    if (p["enabled"] === false || idOf(p["consumer"])) return 0;
    const onRoute = idOf(p["route"]);
    const onService = idOf(p["service"]);
    if (onRoute) return onRoute === route["id"] && (!onService || onService === service) ? 3 : 0;
    if (onService) return onService === service ? 2 : 0;
    return 1;
  };
  const chosen = new Map<string, [number, Json]>();
  for (const plugin of plugins) {
    const r = rank(plugin);
    const name = String(plugin["name"]);
    if (r > (chosen.get(name)?.[0] ?? 0)) chosen.set(name, [r, plugin]);
  }
  return new Map([...chosen].map(([name, [, plugin]]) => [name, plugin]));
}

/** What a route's certificate binding amounts to, for the binding page. */
export interface Binding {
  /** The plugin that has the handshake ask for a client certificate, if any. */
  certificateRequestedBy: string | undefined;
  /** The SNIs the request is made under (the route's); empty means every name the proxy serves. */
  snis: string[];
  /** openid-connect's proof_of_possession_mtls and proof_of_possession_dpop ("off" when not set). */
  mtls: string;
  dpop: string;
  issuer: string | undefined;
}

export function bindingOf(route: Json, plugins: Json[]): Binding {
  const on = pluginsOnRoute(route, plugins);
  const requester = ["tls-handshake-modifier", "mtls-auth"].find((name) => on.has(name));
  const oidc = (on.get("openid-connect")?.["config"] ?? undefined) as Json | undefined;
  const text = (value: unknown): string => (typeof value === "string" ? value : "off");
  return {
    certificateRequestedBy: requester,
    snis: Array.isArray(route["snis"]) ? route["snis"].map(String) : [],
    mtls: oidc ? text(oidc["proof_of_possession_mtls"]) : "off",
    dpop: oidc ? text(oidc["proof_of_possession_dpop"]) : "off",
    issuer: oidc && typeof oidc["issuer"] === "string" ? oidc["issuer"] : undefined,
  };
}
