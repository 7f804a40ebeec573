import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The node's id (`GET /` `node_id`): made once and kept under the prefix, so a node keeps its
 * identity across restarts, as Kong's does (its id file in the prefix). `wx`: of two processes
 * racing on a fresh prefix, the loser reads the winner's id.
 */
export function nodeId(prefix: string): string {
  const path = join(prefix, "node_id");
  mkdirSync(prefix, { recursive: true });
  try {
    writeFileSync(path, `${randomUUID()}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const id = readFileSync(path, "utf8").trim();
  return UUID.test(id) ? id : randomUUID();
}
