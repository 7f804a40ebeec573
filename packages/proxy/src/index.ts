export { startProxy, type ProxyOptions, type RunningProxy, type ListenerSpec } from "./server.ts";
export { storeSource } from "./snapshot/load.ts";
export { fileSource } from "./snapshot/file-source.ts";
export type { ConfigSource } from "./snapshot/holder.ts";
export { compileRouter, type RequestFacts, type RouteMatch, type Router } from "./router/match.ts";
export { normalizePath } from "./router/normalize.ts";
export { upstreamPath } from "./router/upstream-path.ts";
export { thumbprintOf } from "./http/client-certificate.ts";
export { parseTrustedIps } from "./http/trusted-ips.ts";
export type { RequestObserver } from "./log/request-log.ts";
export { serializeLogEntry, redactQuery, REDACTED, DEFAULT_WORKSPACE_ID } from "./log/serialize.ts";
export { accessLogObserver, accessLogRecord } from "./log/access-log.ts";
export { authMetrics, type AuthMetrics } from "./metrics/auth-metrics.ts";
// "Why was I refused?": the route's plugin chain run dry (the Admin API's /routes/{route}/explain).
export { compilingExplainer, servingExplainer, type RouteExplainer } from "./explain/explainer.ts";
export { divertableLogger } from "./explain/captured-log.ts";
export type { Explanation } from "./explain/explain.ts";
// Each proxy process's balancing state; its health is what the Admin API's /upstreams/{u}/health shows.
export { processBalancing } from "./balancer/balancing.ts";
export { healthKey, type HealthChange, type HealthState } from "./balancer/health-state.ts";
