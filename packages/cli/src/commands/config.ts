import { readFileSync, writeFileSync } from "node:fs";
import { bundledPlugins } from "@tether/plugins";
import { Store } from "@tether/store";
import type { TetherConfig } from "../config/load.ts";
import { formatErrors } from "../declarative/errors.ts";
import { toDocument, type Snapshot } from "../declarative/export.ts";
import { flattenDocument } from "../declarative/flatten.ts";
import { loadIntoStore } from "../declarative/load-into-store.ts";
import { parseDeclarative, ParseError, renderDeclarative } from "../declarative/yaml.ts";

export const CONFIG_USAGE = "usage: tether config db_export [FILE] | db_import FILE | parse FILE";

interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** Every entity, read in one (deferred) transaction: a consistent snapshot under WAL without taking the write lock. */
function snapshot(store: Store): Snapshot {
  const { daos } = store;
  return store.db.transaction(() => ({
    services: daos.services.all(),
    routes: daos.routes.all(),
    consumers: daos.consumers.all(),
    plugins: daos.plugins.all(),
    certificates: daos.certificates.all(),
    snis: daos.snis.all(),
    ca_certificates: daos.ca_certificates.all(),
    mtls_auth_credentials: daos.mtls_auth_credentials.all(),
  }))();
}

/** `tether config db_export`: Kong's default file name; an existing file is never overwritten. */
function dbExport(store: Store, file: string, io: Io): number {
  const text = renderDeclarative(toDocument(snapshot(store)));
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
function dbImport(store: Store, file: string, commit: boolean, io: Io): number {
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
  const outcome = loadIntoStore({ store, plugins: bundledPlugins }, flat, { commit });
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

/** `tether config …`: Kong's `kong config db_export | db_import | parse` over Tether's store. */
export function configCommand(config: TetherConfig, args: readonly string[], io: Io): number {
  const [action, file] = args;
  const command = action?.replace(/-/g, "_"); // Kong accepts db-import too
  const needsFile = command === "db_import" || command === "parse";
  if (!(command === "db_export" || (needsFile && file))) {
    io.err(CONFIG_USAGE);
    return 2;
  }
  const store = Store.open(config.prefix);
  try {
    if (command === "db_export") return dbExport(store, file ?? "kong.yml", io);
    return dbImport(store, file!, command === "db_import", io);
  } finally {
    store.close();
  }
}
