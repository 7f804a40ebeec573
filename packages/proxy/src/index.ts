export { startProxy, type ProxyOptions, type RunningProxy, type ListenerSpec } from "./server.ts";
export { storeSource } from "./snapshot/load.ts";
export { fileSource } from "./snapshot/file-source.ts";
export type { ConfigSource } from "./snapshot/holder.ts";
export { compileRouter, type RequestFacts, type RouteMatch, type Router } from "./router/match.ts";
export { normalizePath } from "./router/normalize.ts";
export { upstreamPath } from "./router/upstream-path.ts";
export { thumbprintOf } from "./http/client-certificate.ts";
export { parseTrustedIps } from "./http/trusted-ips.ts";
