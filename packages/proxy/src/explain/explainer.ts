import type { ConfigData, PluginDefinition, PluginEnvironment, Route } from "@tether/core";
import { compileSnapshot, type Snapshot } from "../snapshot/compile.ts";
import { explain, type Explanation, type ExplainInput, type InvalidInput } from "./explain.ts";

/** What the Admin API calls to explain a route's decision. */
export type RouteExplainer = (route: Route, input: ExplainInput) => Promise<Explanation | InvalidInput>;

/** Explains against the snapshot this process's proxy is serving (a single-process node). */
export function servingExplainer(current: () => Snapshot): RouteExplainer {
  return (route, input) => explain(current(), route, input);
}

/**
 * Explains where the proxy runs in other processes (workers): the same configuration, compiled
 * here once per version, with the same plugins. Plugin state (key caches) is this process's own.
 */
export function compilingExplainer(load: () => Promise<ConfigData>, registry: ReadonlyMap<string, PluginDefinition>, env: PluginEnvironment): RouteExplainer {
  let compiled: Snapshot | undefined;
  return async (route, input) => {
    const data = await load();
    if (compiled?.version !== data.version) compiled = compileSnapshot(data, registry, env);
    return explain(compiled, route, input);
  };
}
