import { readFile } from "node:fs/promises";
import { build, stop } from "esbuild";

const BROWSER = new URL("../browser/", import.meta.url);

/** The browser app: its TypeScript bundled into one ES module, and its stylesheet. */
export interface GuiBundle {
  js: string;
  css: string;
}

/**
 * Bundles the browser sources in memory at start-up (esbuild, ~50 ms): users run no build step
 * and nothing is fetched from a CDN; the page loads only what this server answers.
 */
export async function bundleBrowserApp(): Promise<GuiBundle> {
  const result = await build({
    entryPoints: [new URL("main.ts", BROWSER).pathname],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2022",
    platform: "browser",
    logLevel: "silent",
  });
  // esbuild's service is a child process that would keep the node from exiting (and count as a
  // worker to whoever lists the node's children): stop it; a later build starts it again.
  await stop();
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error("esbuild produced no bundle for the GUI");
  return { js, css: await readFile(new URL("style.css", BROWSER), "utf8") };
}
