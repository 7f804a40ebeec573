import { readFileSync, writeFileSync } from "node:fs";
import { flattenDocument, formatErrors, loadIntoStore, parseDeclarative, ParseError, renderDeclarative, toDocument, type Snapshot } from "@tether/admin";
import { bundledPlugins } from "@tether/plugins";
import type { Store } from "@tether/store";
import type { TetherConfig } from "../config/load.ts";
import { openStore } from "../node/open-store.ts";

export const CONFIG_USAGE = "usage: tether config db_export [FILE] | db_import FILE | parse FILE";

interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** Every entity, read in one read transaction: a consistent snapshot. */
async function snapshot(store: Store): Promise<Snapshot> {
  const { version: _, ...entities } = await store.load();
  return entities;
}

/** `tether config db_export`: Kong's default file name; an existing file is never overwritten. */
async function dbExport(store: Store, file: string, io: Io): Promise<number> {
  const text = renderDeclarative(toDocument(await snapshot(store)));
  try {
    // 0600: the file holds private keys and plugin secrets (client_secret, session_secret).
    writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") io.err(`Error: ${file} already exists. Will not overwrite it.`);
    else io.err(`Error: cannot write ${file}: ${(error as Error).message}`);
    return 1;
  }
  io.out(`exported configuration to ${file}`);
  return 0;
}

/** `db_import` loads the file in one transaction; `parse` validates it against the store and rolls back. */
async function dbImport(store: Store, file: string, commit: boolean, io: Io): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    io.err(`Error: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  let doc: unknown;
  try {
    doc = parseDeclarative(text, file);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    io.err(`Error: Failed parsing:\n${error.message}`);
    return 1;
  }
  const flat = flattenDocument(doc);
  if (flat.meta.workspace !== undefined && flat.meta.workspace !== "default")
    io.err(`warning: _workspace '${flat.meta.workspace}' ignored: Tether has a single workspace`);
  const outcome = await loadIntoStore({ store, plugins: bundledPlugins }, flat, { commit });
  if (!outcome.ok) {
    io.err(`Error: ${flat.errors ? "Failed parsing" : "Failed importing"}:\n${formatErrors(outcome.errors)}`);
    if (commit) io.err("nothing was imported: the file loads in a single transaction");
    return 1;
  }
  const total = Object.values(outcome.counts).reduce((a, b) => a + b, 0);
  const detail = Object.entries(outcome.counts).map(([kind, n]) => `${kind}: ${n}`).join(", ");
  if (!commit) {
    io.out("parse successful");
    return 0;
  }
  io.out("parse successful, beginning import");
  io.out(`import successful (${total} entities${detail ? `; ${detail}` : ""})`);
  return 0;
}

/** `tether config …`: Kong's `kong config db_export | db_import | parse` over the configured database. */
export async function configCommand(config: TetherConfig, args: readonly string[], io: Io): Promise<number> {
  const [action, file] = args;
  const command = action?.replace(/-/g, "_"); // Kong accepts db-import too
  const needsFile = command === "db_import" || command === "parse";
  if (!(command === "db_export" || (needsFile && file))) {
    io.err(CONFIG_USAGE);
    return 2;
  }
  if (config.database === "off") {
    io.err("Error: database = off: this command needs a database (sqlite or postgres); a DB-less node loads declarative_config or POST /config");
    return 1;
  }
  const quiet = { info: () => undefined, warn: (message: string) => io.err(message), error: (message: string) => io.err(message) };
  const store = await openStore(config, quiet, bundledPlugins, { migrate: true });
  try {
    if (command === "db_export") return await dbExport(store, file ?? "kong.yml", io);
    return await dbImport(store, file!, command === "db_import", io);
  } finally {
    await store.close();
  }
}
