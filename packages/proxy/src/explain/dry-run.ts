import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { unexpectedErrorResponse, type AuthOutcome, type ClientCertificate, type PluginResponse, type Route } from "@tether/core";
import { RequestAccessContext } from "../http/access-context.ts";
import type { Snapshot } from "../snapshot/compile.ts";

/** The request an operator asks about: what the client says it sent. */
export interface DryRunRequest {
  method: string;
  path: string;
  host: string;
  headers: Readonly<Record<string, string>>;
  /** The certificate the client presents on the TLS connection, if any. */
  certificate: ClientCertificate | undefined;
}

/** What one plugin of the chain did with the request. */
export interface PluginStep {
  name: string;
  id: string;
  priority: number;
  /** `skipped`: its protocols do not include the request's scheme; `not_reached`: an earlier plugin answered. */
  result: "continued" | "answered" | "skipped" | "not_reached" | "failed";
}

/** What the route's plugins decided, as the proxy would have acted on it. */
export interface DryRunOutcome {
  configVersion: number;
  scheme: "http" | "https";
  steps: PluginStep[];
  /** The plugin's answer that ends the request; absent: the request would reach the upstream. */
  response: PluginResponse | undefined;
  authOutcome: AuthOutcome | undefined;
  authenticated: { consumer: { id: string; username: string | null } | undefined; credential: string | undefined; anonymous: boolean } | undefined;
  /** Upstream headers the plugins set (names only: values may carry credentials). */
  upstreamHeadersSet: string[];
  upstreamHeadersRemoved: string[];
}

/** An access context over a request that never crossed a socket, with the certificate given. */
class DryRunAccessContext extends RequestAccessContext {
  constructor(
    req: IncomingMessage,
    scheme: "http" | "https",
    path: string,
    private readonly presented: ClientCertificate | undefined,
  ) {
    super(req, scheme, path, "", undefined, false);
  }

  override clientCertificate(): ClientCertificate | undefined {
    return this.scheme === "https" ? this.presented : undefined;
  }
}

function syntheticRequest(input: DryRunRequest): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = input.method;
  req.url = input.path;
  const headers: Record<string, string> = { host: input.host, ...input.headers };
  req.headers = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  req.rawHeaders = Object.entries(headers).flat();
  req.push(null); // no body
  return req;
}

/**
 * Runs the access phase of `route`'s plugins from `snapshot` (the handlers the proxy is using,
 * in the proxy's order, skipping those whose protocols do not include the scheme) on a request
 * built from `input`, and reports what they decided. Nothing is forwarded; nothing is counted.
 */
export async function dryRun(snapshot: Snapshot, route: Route, input: DryRunRequest): Promise<DryRunOutcome> {
  const scheme = route.protocols.includes("https") ? "https" : "http";
  const ctx = new DryRunAccessContext(syntheticRequest(input), scheme, input.path, input.certificate);
  const steps: PluginStep[] = [];
  let response: PluginResponse | undefined;
  for (const plugin of snapshot.pluginsFor(route)) {
    const step: PluginStep = { name: plugin.definition.name, id: plugin.instance.id, priority: plugin.definition.priority, result: response ? "not_reached" : "skipped" };
    steps.push(step);
    if (response || !plugin.instance.protocols.includes(scheme)) continue;
    try {
      response = (await plugin.handler.access?.(ctx)) ?? undefined;
      step.result = response ? "answered" : "continued";
    } catch {
      // The proxy answers 500 here (and logs the stack; a dry run keeps the node's log clean).
      step.result = "failed";
      response = unexpectedErrorResponse;
    }
  }
  const auth = ctx.authenticated;
  const headers = [...ctx.upstreamHeaders];
  return {
    configVersion: snapshot.version,
    scheme,
    steps,
    response,
    authOutcome: ctx.authOutcome,
    authenticated: auth && {
      consumer: auth.consumer && { id: auth.consumer.id, username: auth.consumer.username },
      credential: auth.credential,
      anonymous: auth.anonymous,
    },
    upstreamHeadersSet: headers.filter(([, value]) => value !== null).map(([name]) => name),
    upstreamHeadersRemoved: headers.filter(([, value]) => value === null).map(([name]) => name),
  };
}
