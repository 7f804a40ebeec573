// Starts the real `tether start` process (the CLI, as users run it) on ephemeral loopback ports
// and reads the ports back from its start-up log lines.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { sharedPostgres } from "./backends.ts";

export const REPO_ROOT = new URL("../../", import.meta.url).pathname;
/** tsx resolved from the repository, so the CLI can run from any working directory. */
const TSX = import.meta.resolve("tsx");

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface Tether {
  prefix: string;
  adminPort: number;
  httpPort: number;
  httpsPort: number;
  /** The Status API's port (status_listen), undefined when a test turned it off. */
  statusPort: number | undefined;
  admin: string;
  /** The TETHER_DATABASE/TETHER_PG_* the suite gave the node (empty on SQLite): a CLI run on its store needs them too. */
  databaseEnv: Record<string, string>;
  /** Every log line the process wrote (stdout JSON lines), and stderr text. */
  logs: LogLine[];
  stderr: string[];
  process: ChildProcess;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  prefix?: string;
  env?: Record<string, string>;
  /** Keep the prefix directory after stop (for restart tests). */
  keepPrefix?: boolean;
}

let postgresDatabases = 0;

/**
 * TETHER_TEST_DATABASE=postgres runs a suite's nodes on PostgreSQL instead of SQLite: each node
 * started without its own TETHER_DATABASE gets a fresh database on the file's shared server
 * (test/e2e/postgres/ sets it for the suites that run twice).
 */
async function databaseEnv(options: StartOptions): Promise<Record<string, string>> {
  if (process.env["TETHER_TEST_DATABASE"] !== "postgres" || options.env?.["TETHER_DATABASE"]) return {};
  const pg = await sharedPostgres();
  const database = `e2e_${process.pid}_${++postgresDatabases}`;
  await pg.createDatabase(database);
  return pg.env(database);
}

export async function startTether(options: StartOptions = {}): Promise<Tether> {
  const prefix = options.prefix ?? mkdtempSync(join(tmpdir(), "tether-e2e-"));
  const database = await databaseEnv(options);
  const child = spawn(process.execPath, ["--import", TSX, join(REPO_ROOT, "packages/cli/src/main.ts"), "start"], {
    cwd: prefix,
    env: {
      ...process.env,
      TETHER_PREFIX: join(prefix, "data"),
      TETHER_ADMIN_LISTEN: "127.0.0.1:0",
      TETHER_PROXY_LISTEN: "127.0.0.1:0, 127.0.0.1:0 http2 ssl",
      // Never Kong's 127.0.0.1:8007: tests run in parallel.
      TETHER_STATUS_LISTEN: "127.0.0.1:0",
      // Nor the GUI's 127.0.0.1:8002.
      TETHER_ADMIN_GUI_LISTEN: "127.0.0.1:0",
      ...database,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  const statusOff = options.env?.["TETHER_STATUS_LISTEN"]?.trim() === "off";
  const ports = await new Promise<{ admin: number; http: number; https: number; status?: number }>((resolve, reject) => {
    const found: { admin?: number; http?: number; https?: number; status?: number } = {};
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`tether exited with ${code}: ${stderr.join("\n")}`));
    };
    // A node that did not start in time is killed, not left running after the suite.
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      child.kill("SIGKILL");
      reject(new Error(`tether did not start: ${stderr.join("\n")}`));
    }, 20_000);
    child.once("exit", onExit);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        logs.push({ level: "raw", msg: line });
        return;
      }
      logs.push(parsed);
      if (parsed.msg === "admin listening") found.admin = parsed["port"] as number;
      else if (parsed.msg === "proxy listening") found[parsed["ssl"] ? "https" : "http"] = parsed["port"] as number;
      else if (parsed.msg === "status listening") found.status ??= parsed["port"] as number;
      else return;
      if (found.admin && found.http && found.https && (found.status || statusOff)) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(found as { admin: number; http: number; https: number; status?: number });
      }
    });
  });
  // A suite meant to run on PostgreSQL must not pass on SQLite by mistake.
  if (database["TETHER_DATABASE"] && !logs.some((l) => l["database"] === "postgres"))
    throw new Error(`expected a PostgreSQL node, its start-up log says otherwise: ${JSON.stringify(logs)}`);
  let exited: Promise<number | null> | undefined;
  return {
    prefix,
    adminPort: ports.admin,
    httpPort: ports.http,
    httpsPort: ports.https,
    statusPort: ports.status,
    admin: `http://127.0.0.1:${ports.admin}`,
    databaseEnv: database,
    logs,
    stderr,
    process: child,
    stop() {
      exited ??= new Promise<number | null>((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
      }).then((code) => {
        if (!options.keepPrefix) rmSync(prefix, { recursive: true, force: true });
        return code;
      });
      return exited;
    },
  };
}

export interface AdminResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** A request to the Admin API with a raw body and content type; the answer parsed as JSON when it is. */
export async function adminRequest(
  tether: Pick<Tether, "admin">,
  method: string,
  path: string,
  body?: string,
  contentType?: string,
): Promise<AdminResponse> {
  // A failure that names the request, not a suite that hangs until the runner's timeout.
  const send = async (): Promise<{ res: Response; text: string }> => {
    const res = await fetch(`${tether.admin}${path}`, {
      method,
      headers: contentType ? { "content-type": contentType } : {},
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(60_000),
    });
    return { res, text: await res.text() };
  };
  const { res, text: raw } = await send().catch((error: unknown) => {
    throw new Error(`${method} ${path}: ${(error as Error).message}`, { cause: error });
  });
  let parsed: unknown = raw;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    // leave as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** JSON request to the Admin API. */
export function adminJson(tether: Pick<Tether, "admin">, method: string, path: string, body?: unknown): Promise<AdminResponse> {
  return adminRequest(tether, method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : "application/json");
}

/** Polls `check` until it returns true or the deadline passes; returns the elapsed ms. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000, stepMs = 25): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
