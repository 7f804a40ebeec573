import type { IncomingHttpHeaders } from "node:http";
import type { HashOn, Upstream } from "@tether/core";

/** What a request offers to hash on (Kong's balancer `get_value_to_hash`). */
export interface HashInput {
  headers: IncomingHttpHeaders;
  clientIp: string;
  consumerId: string | undefined;
  path: string;
  /** The raw query string, with or without its leading `?`. */
  query: string;
  captures: Record<string, string> | undefined;
}

function valueFor(upstream: Upstream, on: HashOn, fallback: boolean, input: HashInput): string | undefined {
  switch (on) {
    case "none":
      return undefined;
    case "consumer":
      return input.consumerId;
    case "ip":
      return input.clientIp;
    case "path":
      return input.path;
    case "header": {
      const name = (fallback ? upstream.hash_fallback_header : upstream.hash_on_header)?.toLowerCase();
      const value = name === undefined ? undefined : input.headers[name];
      return Array.isArray(value) ? value.join(",") : value;
    }
    case "cookie": {
      const wanted = upstream.hash_on_cookie;
      for (const part of (input.headers.cookie ?? "").split(";")) {
        const at = part.indexOf("=");
        if (at > 0 && part.slice(0, at).trim() === wanted) return part.slice(at + 1).trim();
      }
      return undefined;
    }
    case "query_arg": {
      const name = fallback ? upstream.hash_fallback_query_arg : upstream.hash_on_query_arg;
      const values = name === null ? [] : new URLSearchParams(input.query.replace(/^\?/, "")).getAll(name);
      return values.length > 0 ? values.join(",") : undefined;
    }
    case "uri_capture": {
      const name = fallback ? upstream.hash_fallback_uri_capture : upstream.hash_on_uri_capture;
      return name === null ? undefined : input.captures?.[name];
    }
  }
}

/** The value a consistent-hashing upstream hashes the request on: `hash_on`, else `hash_fallback`. */
export function hashKeyOf(upstream: Upstream, input: HashInput): string | undefined {
  return valueFor(upstream, upstream.hash_on, false, input) ?? valueFor(upstream, upstream.hash_fallback, true, input);
}
