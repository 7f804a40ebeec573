/** The Admin API as the browser reaches it; the admin token lives in sessionStorage only. */
import type { Json } from "./json.ts";

export type { Json };

const TOKEN_KEY = "tether.admin_token";

/** One page of a Kong collection. */
export interface Page {
  data: Json[];
  offset?: string | null;
}

export class Unauthorized extends Error {}

/** An Admin API error answer (Kong's `{message, fields?}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(typeof body["message"] === "string" ? body["message"] : `The Admin API answered ${status}`);
  }
}

function jsonOrEmpty(text: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Json) : {};
  } catch {
    return {};
  }
}

export class AdminApi {
  constructor(readonly base: string) {}

  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  /** A request; 401 throws Unauthorized (the page then asks for the token), other errors ApiError. */
  async request(method: string, path: string, body?: unknown): Promise<Json> {
    const { status, text } = await this.send(method, path, "application/json", body);
    const parsed = (text ? JSON.parse(text) : {}) as Json;
    if (status === 401) throw new Unauthorized(typeof parsed["message"] === "string" ? parsed["message"] : "Unauthorized");
    if (status < 200 || status > 299) throw new ApiError(status, parsed);
    return parsed;
  }

  /** A GET of a text answer (`/metrics`); errors as `request`'s (a body that is not JSON gives no message). */
  async text(path: string): Promise<string> {
    const { status, text } = await this.send("GET", path, "text/plain");
    if (status === 401) throw new Unauthorized("Unauthorized");
    if (status < 200 || status > 299) throw new ApiError(status, jsonOrEmpty(text));
    return text;
  }

  private async send(method: string, path: string, accept: string, body?: unknown): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers["content-type"] = "application/json";
    const token = this.token;
    // Tether's Admin API takes `Authorization: Bearer <admin_token>` (packages/admin/src/http/auth.ts).
    if (token) headers["authorization"] = `Bearer ${token}`;
    const res = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  }

  get(path: string): Promise<Json> {
    return this.request("GET", path);
  }

  async page(path: string): Promise<Page> {
    return (await this.get(path)) as unknown as Page;
  }

  /** Every page of a collection (for views across entities, such as the binding page). */
  async all(path: string): Promise<Json[]> {
    const out: Json[] = [];
    let offset: string | null | undefined = null;
    do {
      const page: Page = await this.page(`${path}?size=1000${offset ? `&offset=${encodeURIComponent(offset)}` : ""}`);
      out.push(...page.data);
      offset = page.offset;
    } while (offset);
    return out;
  }
}
