// The clients Kong users use (httpie's `http`, `curl`), run for real, and a Node https client
// presenting a client certificate for the many-request matrices.
import { execFile, execFileSync } from "node:child_process";
import https from "node:https";
import type { Pem } from "../fixtures/pki/index.ts";

export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const HAVE_HTTPIE = hasCommand("http");
export const HTTPIE_SKIP = HAVE_HTTPIE ? false : "SKIPPED: httpie (`http`) is not installed; apt-get install httpie";
if (!HAVE_HTTPIE) console.warn("\n*** httpie (`http`) not found: the tests that drive Tether with the real `http` CLI are SKIPPED ***\n");

export interface CliResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: string;
}

/** Parses `HTTP/1.1 201 Created\nHeader: v\n\n{json}` as printed by `http --print=hb` or `curl -i`. */
export function parseHttpOutput(raw: string): CliResponse {
  const text = raw.replace(/\r\n/g, "\n");
  const split = text.indexOf("\n\n");
  const head = split === -1 ? text : text.slice(0, split);
  const bodyText = split === -1 ? "" : text.slice(split + 2).trim();
  const [statusLine, ...headerLines] = head.split("\n");
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body: unknown = bodyText;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    // not JSON
  }
  return { status, headers, body, raw };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // Async on purpose: the IdP runs in this process and must keep serving while the CLI waits.
    execFile(cmd, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && !stdout) reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** `http --ignore-stdin --print=hb …` (httpie refuses key=value items when stdin is not a TTY). */
export async function httpie(...args: string[]): Promise<CliResponse> {
  return parseHttpOutput(await run("http", ["--ignore-stdin", "--print=hb", ...args]));
}

/** `curl -sS -i …` */
export async function curl(...args: string[]): Promise<CliResponse> {
  const out = await run("curl", ["-sS", "-i", ...args]);
  // curl -i prints every response head of a redirect/100-continue chain; keep the last.
  const parts = out.split(/\r?\n(?=HTTP\/[\d.]+ \d{3})/);
  return parseHttpOutput(parts[parts.length - 1]!);
}

export interface TlsRequest {
  port: number;
  path?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  cert?: Pem;
  servername?: string;
  /** Reuse one connection for several requests. */
  agent?: https.Agent;
}

/** One HTTPS request to the proxy, optionally presenting a client certificate. */
export function tlsRequest(opts: TlsRequest): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: opts.port,
        path: opts.path ?? "/",
        method: opts.method ?? "GET",
        headers: opts.headers,
        servername: opts.servername ?? "localhost",
        rejectUnauthorized: false,
        ...(opts.agent ? { agent: opts.agent } : { agent: false }),
        ...(opts.cert && !opts.agent ? { cert: opts.cert.cert, key: opts.cert.key } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}
