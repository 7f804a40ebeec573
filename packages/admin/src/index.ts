export { createAdminApp, type AdminOptions } from "./app.ts";
export type { ServerStats } from "./endpoints/info.ts";
export type { PluginRegistry } from "./entities/write.ts";
