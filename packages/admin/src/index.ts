export { createAdminApp, type AdminOptions } from "./app.ts";
export type { PluginRegistry } from "./entities/write.ts";
