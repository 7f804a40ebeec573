import { Counter, Histogram, register } from "prom-client";
import { routeLabel, serviceLabel, type AuthOutcome, type PluginMetrics, type Route, type Service } from "@tether/core";

/**
 * Tether's own metrics (beyond Kong's): how every authentication was decided, per service and
 * route, and what it cost at the IdP. Registered once per process on prom-client's default
 * registry, next to Kong's metrics, so one scrape has both (summed over workers by the primary).
 * docs/metrics.md says which question each answers.
 */
export interface AuthMetrics {
  /** The proxy's hook: an authentication plugin decided about a request on this route. */
  decided(route: Route, service: Service, outcome: AuthOutcome): void;
  /** What plugins report through their environment (cache, IdP requests). */
  readonly plugins: PluginMetrics;
}

let instance: AuthMetrics | undefined;

export function authMetrics(): AuthMetrics {
  if (instance) return instance;
  const binding = new Counter({
    name: "tether_auth_binding_total",
    help: "Token-binding decisions by proof (mtls: RFC 8705 certificate, dpop: RFC 9449 proof) and outcome: match, mismatch, no_certificate, claim_missing, unbound_allowed, not_checked",
    labelNames: ["service", "route", "proof", "outcome"] as const,
    registers: [register],
  });
  const refusals = new Counter({
    name: "tether_auth_refusals_total",
    help: "Requests an authentication plugin refused, by reason (expired, bad_signature, unknown_key, wrong_issuer, inactive, scopes, binding, ...)",
    labelNames: ["service", "route", "plugin", "reason"] as const,
    registers: [register],
  });
  const cache = new Counter({
    name: "tether_verified_token_cache_total",
    help: "Verified-token cache lookups: hit (no signature check) or miss",
    labelNames: ["result"] as const,
    registers: [register],
  });
  const idpRequests = new Counter({
    name: "tether_idp_requests_total",
    help: "Requests to identity providers by kind (discovery, jwks, introspection, token) and outcome (ok, error)",
    labelNames: ["kind", "outcome"] as const,
    registers: [register],
  });
  const idpLatency = new Histogram({
    name: "tether_idp_request_duration_seconds",
    help: "How long identity providers took to answer, by kind",
    labelNames: ["kind"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [register],
  });
  instance = {
    decided(route, service, outcome) {
      const [serviceName, routeName] = [serviceLabel(service), routeLabel(route)];
      if (outcome.binding) binding.inc({ service: serviceName, route: routeName, proof: outcome.proof ?? "", outcome: outcome.binding });
      if (outcome.refused) refusals.inc({ service: serviceName, route: routeName, plugin: outcome.plugin, reason: outcome.refused });
    },
    plugins: {
      tokenCache: (result) => cache.inc({ result }),
      idpRequest(kind, outcome, seconds) {
        idpRequests.inc({ kind, outcome });
        idpLatency.observe({ kind }, seconds);
      },
    },
  };
  return instance;
}
