import type { IncomingMessage } from "node:http";
import type { AccessContext, Authentication, ClientCertificate } from "@tether/core";
import { clientCertificateOf } from "./client-certificate.ts";

/** The request as plugins see it; upstream header changes are collected and applied on forward. */
export class RequestAccessContext implements AccessContext {
  readonly method: string;
  readonly headers: IncomingMessage["headers"];
  readonly rawHeaders: readonly string[];
  readonly upstreamHeaders = new Map<string, string | null>();
  authenticated: Authentication | undefined = undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly scheme: "http" | "https",
    readonly path: string,
    readonly query: URLSearchParams,
    readonly serverName: string | undefined,
  ) {
    this.method = req.method ?? "GET";
    this.headers = req.headers;
    this.rawHeaders = req.rawHeaders;
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
}
