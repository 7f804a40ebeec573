export { createAdminApp, type AdminOptions } from "./app.ts";
// Kong's Status API (`status_listen`): /status, /status/ready, /metrics.
export { createStatusApp, type StatusApiOptions } from "./status/app.ts";
export type { PluginRegistry } from "./entities/write.ts";
// The Admin API's write pipeline, for writers that are not HTTP requests (declarative import).
export { buildEntity, type WriteContext } from "./entities/write.ts";
// Kong's declarative configuration: read, flatten, load, export (the CLI's config commands, DB-less nodes).
export { buildDeclarativeStore, type BuiltStore } from "./declarative/build-store.ts";
export { declarativeHash } from "./declarative/config-request.ts";
export { formatErrors, type ErrorTree } from "./declarative/errors.ts";
export { toDocument, type Snapshot } from "./declarative/export.ts";
export { flattenDocument, type Flattened } from "./declarative/flatten.ts";
export { loadIntoStore, type LoadOutcome } from "./declarative/load-into-store.ts";
export { parseDeclarative, ParseError, renderDeclarative } from "./declarative/yaml.ts";
export { declarativeId } from "./declarative/ids.ts";
