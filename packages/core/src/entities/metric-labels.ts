import type { Route, Service } from "./types.ts";

/**
 * Kong's metric label values for where a request went (prometheus `exporter.lua`): the service's
 * name, else its host; the route's name, else its id. Kong's metrics and Tether's own use the same.
 */
export const serviceLabel = (service: Service | undefined): string => service?.name ?? service?.host ?? "";
export const routeLabel = (route: Route): string => route.name ?? route.id;
