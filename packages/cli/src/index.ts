export { loadConfig, type TetherConfig } from "./config/load.ts";
