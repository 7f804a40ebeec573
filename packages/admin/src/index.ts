export { createAdminApp, type AdminOptions } from "./app.ts";
export type { PluginRegistry } from "./entities/write.ts";
// The Admin API's write pipeline, for writers that are not HTTP requests (declarative import).
export { buildEntity, type WriteContext } from "./entities/write.ts";
