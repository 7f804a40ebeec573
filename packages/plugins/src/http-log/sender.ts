import { Agent, request } from "undici";
import type { HttpLogConfig, QueueConfig } from "./schema.ts";

/** Where a batch goes, parsed once per endpoint string. */
export interface Endpoint {
  /** The URL requested: without user info (it becomes `Authorization: Basic`), query kept. */
  target: string;
  /** `host:port`, for log lines. */
  hostPort: string;
  /** `Basic base64(user info)` when the endpoint carries user info (Kong: the text as written). */
  authorization: string | undefined;
  /** The endpoint as log lines may show it: no user info and no query (either may carry a credential). */
  safe: string;
}

const endpoints = new Map<string, Endpoint>();

export function parseEndpoint(httpEndpoint: string): Endpoint {
  let endpoint = endpoints.get(httpEndpoint);
  if (endpoint) return endpoint;
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(httpEndpoint)?.[1];
  const url = new URL(httpEndpoint);
  url.username = "";
  url.password = "";
  const port = url.port || (url.protocol === "https:" ? "443" : url.protocol === "http:" ? "80" : "");
  endpoint = {
    target: url.toString(),
    hostPort: `${url.hostname}:${port}`,
    authorization: userinfo === undefined ? undefined : `Basic ${Buffer.from(userinfo).toString("base64")}`,
    safe: `${url.protocol}//${url.host}${url.pathname}`,
  };
  if (endpoints.size > 1000) endpoints.clear(); // bounded: endpoints come from configuration
  endpoints.set(httpEndpoint, endpoint);
  return endpoint;
}

/** Connection pools by timeout and keepalive, kept across snapshots (Kong: the cosocket pool). */
const agents = new Map<string, Agent>();

function agentFor(timeout: number, keepalive: number): Agent {
  const key = `${timeout}:${keepalive}`;
  let agent = agents.get(key);
  if (!agent) {
    const idle = Math.max(1, keepalive);
    agent = new Agent({
      // Kong's http-log does not verify the log server's certificate (`ssl_verify = false`).
      connect: { timeout, rejectUnauthorized: false },
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: idle,
      keepAliveMaxTimeout: idle,
    });
    agents.set(key, agent);
  }
  return agent;
}

/** The request body: one JSON object when batches are of one, else a JSON array (Kong's rule, by max_batch_size). */
export function payloadOf(entries: readonly string[], params: Pick<QueueConfig, "max_batch_size">): string {
  return params.max_batch_size === 1 ? entries[0]! : `[${entries.join(",")}]`;
}

/**
 * Kong's `send_entries`: one request to the log server with the batch; success is a status
 * below 300 (the response body is read and discarded). Rejects with Kong's messages, without
 * the log server's response body (it could echo the credentials sent to it).
 */
export async function sendEntries(config: HttpLogConfig, entries: string[], params: QueueConfig): Promise<void> {
  const endpoint = parseEndpoint(config.http_endpoint);
  const body = payloadOf(entries, params);
  const headers: Record<string, string> = {
    "Content-Type": config.content_type,
    "Content-Length": String(Buffer.byteLength(body)),
  };
  if (endpoint.authorization) headers["Authorization"] = endpoint.authorization;
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name] ??= value;
  let status: number;
  try {
    const response = await request(endpoint.target, {
      method: config.method,
      headers,
      body,
      dispatcher: agentFor(config.timeout, config.keepalive),
      headersTimeout: config.timeout,
      bodyTimeout: config.timeout,
    });
    status = response.statusCode;
    await response.body.dump({ limit: 1024 * 1024 });
  } catch (error) {
    throw new Error(`failed request to ${endpoint.hostPort}: ${(error as Error).message}`);
  }
  if (status >= 300) throw new Error(`request to ${endpoint.hostPort} returned status code ${status}`);
}

/** Closes the pools (shutdown, tests). */
export async function closeAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((agent) => agent.close().catch(() => undefined)));
}
