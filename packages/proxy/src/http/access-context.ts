import type { IncomingMessage } from "node:http";
import type { AccessContext, Authentication, AuthOutcome, ClientCertificate } from "@tether/core";
import { clientCertificateOf } from "./client-certificate.ts";
import { RequestBody } from "./request-body.ts";

/** The request as plugins see it; upstream header changes are collected and applied on forward. */
export class RequestAccessContext implements AccessContext {
  readonly method: string;
  readonly headers: IncomingMessage["headers"];
  readonly rawHeaders: readonly string[];
  readonly upstreamHeaders = new Map<string, string | null>();
  /** Query arguments to drop from the upstream request target. */
  readonly removedQueryArgs = new Set<string>();
  readonly body: RequestBody;
  /** Headers for the client's response, applied when its head is written (plugin-response-headers.ts). */
  readonly responseHeaders = new Map<string, readonly string[]>();
  authenticated: Authentication | undefined = undefined;
  authOutcome: AuthOutcome | undefined = undefined;
  private parsedQuery: URLSearchParams | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly scheme: "http" | "https",
    readonly path: string,
    /** The raw query string (with its `?`), parsed only if a plugin asks for it. */
    private readonly rawQuery: string,
    readonly serverName: string | undefined,
    /** The peer is in trusted_ips (decided once per request by the proxy). */
    readonly peerTrusted: boolean,
  ) {
    this.method = req.method ?? "GET";
    this.headers = req.headers;
    this.rawHeaders = req.rawHeaders;
    this.body = new RequestBody(req);
  }

  get query(): URLSearchParams {
    this.parsedQuery ??= new URLSearchParams(this.rawQuery);
    return this.parsedQuery;
  }

  clientCertificate(): ClientCertificate | undefined {
    return this.scheme === "https" ? clientCertificateOf(this.req.socket) : undefined;
  }

  setUpstreamHeader(name: string, value: string): void {
    this.upstreamHeaders.set(name.toLowerCase(), value);
  }

  removeUpstreamHeader(name: string): void {
    this.upstreamHeaders.set(name.toLowerCase(), null);
  }

  removeUpstreamQueryArg(name: string): void {
    this.removedQueryArgs.add(name);
  }

  setResponseHeader(name: string, value: string | readonly string[]): void {
    this.responseHeaders.set(name.toLowerCase(), typeof value === "string" ? [value] : [...value]);
  }

  readBody(limit: number): Promise<Buffer | undefined> {
    return this.body.read(limit);
  }

  setUpstreamBody(body: Buffer): void {
    this.body.replace(body);
    this.upstreamHeaders.set("content-length", String(body.length));
    this.upstreamHeaders.set("transfer-encoding", null);
  }
}
