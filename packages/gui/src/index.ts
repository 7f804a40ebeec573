export { createGuiApp, type GuiOptions } from "./app.ts";
export type { GuiConfig } from "../browser/gui-config.ts";
export { bundleBrowserApp, type GuiBundle } from "./bundle.ts";
export type { AdminEndpoint } from "./admin-url.ts";
