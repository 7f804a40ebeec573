import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { ConfigData } from "@tether/core";

/**
 * A whole configuration kept in a file under the prefix: the last one a node applied (so it can
 * start and serve while PostgreSQL is unreachable) and a DB-less node's current one. The first
 * line is a JSON header with the version, the declarative hash and the SHA-256 of the body; the
 * body is the ConfigData JSON. Written to a temporary file, synced and renamed over the old one,
 * so a reader sees the old file or the new one, never half of either; a body that does not match
 * its checksum is refused, never half-loaded.
 */
const FORMAT = "tether-config/1";

export interface ConfigFileHeader {
  format: typeof FORMAT;
  version: number;
  /** DB-less: Kong's configuration_hash of the declarative text this came from. */
  hash: string | null;
  sha256: string;
}

export class ConfigFileError extends Error {}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export function writeConfigFile(path: string, data: ConfigData, hash: string | null = null): void {
  const body = JSON.stringify(data);
  const header: ConfigFileHeader = { format: FORMAT, version: data.version, hash, sha256: sha256(body) };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  // 0600: the configuration holds private keys and plugin secrets.
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(header)}\n${body}`);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir); // the rename itself survives a crash
  } finally {
    closeSync(dir);
  }
}

function parseHeader(line: string, path: string): ConfigFileHeader {
  let header: ConfigFileHeader;
  try {
    header = JSON.parse(line) as ConfigFileHeader;
  } catch {
    throw new ConfigFileError(`${path}: not a Tether configuration file (unreadable header)`);
  }
  if (header?.format !== FORMAT || typeof header.version !== "number" || typeof header.sha256 !== "string")
    throw new ConfigFileError(`${path}: not a Tether configuration file (format ${String(header?.format)})`);
  return header;
}

/** `read()`, or undefined when the file does not exist. */
function ifExists<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The header alone (the first line), cheap enough to poll; undefined when there is no file. */
export function readConfigFileHeader(path: string): ConfigFileHeader | undefined {
  const fd = ifExists(() => openSync(path, "r"));
  if (fd === undefined) return undefined;
  try {
    const buffer = Buffer.alloc(512);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const end = buffer.subarray(0, n).indexOf(10);
    if (end < 0) throw new ConfigFileError(`${path}: not a Tether configuration file (no header line)`);
    return parseHeader(buffer.subarray(0, end).toString("utf8"), path);
  } finally {
    closeSync(fd);
  }
}

/** The whole file, checked; undefined when there is none, ConfigFileError when it is damaged. */
export function readConfigFile(path: string): { header: ConfigFileHeader; data: ConfigData } | undefined {
  const text = ifExists(() => readFileSync(path, "utf8"));
  if (text === undefined) return undefined;
  const end = text.indexOf("\n");
  if (end < 0) throw new ConfigFileError(`${path}: not a Tether configuration file (no header line)`);
  const header = parseHeader(text.slice(0, end), path);
  const body = text.slice(end + 1);
  if (sha256(body) !== header.sha256) throw new ConfigFileError(`${path}: checksum mismatch (the file is damaged or was edited); not loaded`);
  return { header, data: withLaterCollections(JSON.parse(body) as ConfigData) };
}

/** Collections Tether gained after its first file format: a file an older Tether wrote has none of them. */
const LATER_COLLECTIONS = ["upstreams", "targets", "vaults", "key_sets", "keys"] as const;

function withLaterCollections(data: ConfigData): ConfigData {
  const missing = LATER_COLLECTIONS.filter((name) => !Array.isArray(data[name]));
  return missing.length === 0 ? data : { ...data, ...Object.fromEntries(missing.map((name) => [name, []])) };
}
