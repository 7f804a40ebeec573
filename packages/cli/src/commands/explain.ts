import { readFileSync } from "node:fs";
import type { Explanation } from "@tether/proxy";
import type { TetherConfig } from "../config/load.ts";
import { renderExplanation } from "./explain-report.ts";

export const EXPLAIN_USAGE =
  "usage: tether explain --route ROUTE --token TOKEN|@FILE [--cert FILE.pem] [--dpop PROOF|@FILE] [--method M] [--path P] [--host H] [--admin URL] [--json]";

interface Io {
  out(line: string): void;
  err(line: string): void;
}

const FLAGS = new Set(["--route", "--token", "--cert", "--dpop", "--method", "--path", "--host", "--admin"]);

class UsageError extends Error {}

/** `--name value` pairs (and the `--json` switch); anything else is a usage error. */
function parseFlags(args: readonly string[]): { flags: Map<string, string>; json: boolean } {
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (FLAGS.has(arg) && args[i + 1] !== undefined) flags.set(arg, args[++i]!);
    else throw new UsageError(`unexpected argument '${arg}'`);
  }
  return { flags, json };
}

/** `@file` reads the value from a file (keeps a token out of the shell history and process list). */
const valueOrFile = (value: string): string => (value.startsWith("@") ? readFileSync(value.slice(1), "utf8").trim() : value);

/** The node's first Admin API address, as `tether start` would listen. */
function adminUrl(config: TetherConfig): string {
  const first = config.admin_listen[0];
  if (!first) throw new UsageError("admin_listen is off: give --admin URL");
  const host = first.host === "0.0.0.0" ? "127.0.0.1" : first.host.includes(":") ? `[${first.host}]` : first.host;
  return `${first.ssl ? "https" : "http"}://${host}:${first.port}`;
}

/**
 * `tether explain`: asks the node's Admin API (POST /routes/{route}/explain) what the route's
 * plugins would decide for this token (and certificate or DPoP proof), and prints why.
 * Exit status: 0 the request would pass, 1 it would be refused, 2 the question could not be asked.
 */
export async function explainCommand(config: TetherConfig, args: readonly string[], io: Io): Promise<number> {
  let body: Record<string, string>;
  let route: string;
  let admin: string;
  let json: boolean;
  try {
    const parsed = parseFlags(args);
    json = parsed.json;
    const { flags } = parsed;
    const routeFlag = flags.get("--route");
    const token = flags.get("--token");
    if (!routeFlag || !token) throw new UsageError("--route and --token are required");
    route = routeFlag;
    admin = flags.get("--admin") ?? adminUrl(config);
    body = { token: valueOrFile(token) };
    const cert = flags.get("--cert");
    if (cert) body["certificate"] = readFileSync(cert, "utf8");
    const dpop = flags.get("--dpop");
    if (dpop) body["dpop"] = valueOrFile(dpop);
    for (const name of ["method", "path", "host"] as const) {
      const value = flags.get(`--${name}`);
      if (value !== undefined) body[name] = value;
    }
  } catch (error) {
    io.err(`tether explain: ${(error as Error).message}\n${EXPLAIN_USAGE}`);
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(`${admin.replace(/\/+$/, "")}/routes/${encodeURIComponent(route)}/explain`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(config.admin_token ? { authorization: `Bearer ${config.admin_token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    io.err(`tether explain: cannot reach the Admin API at ${admin}: ${(error as Error).message}`);
    return 2;
  }
  const answer = (await res.json().catch(() => undefined)) as Explanation | { message?: string } | undefined;
  if (!res.ok || !answer || !("passes" in answer)) {
    io.err(`tether explain: the Admin API answered ${res.status}: ${JSON.stringify(answer)}`);
    return 2;
  }
  if (json) io.out(JSON.stringify(answer, null, 2));
  else for (const line of renderExplanation(answer)) io.out(line);
  return answer.passes ? 0 : 1;
}
