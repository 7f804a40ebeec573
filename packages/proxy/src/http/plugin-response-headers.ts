import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Header values plugins set for the client's response (AccessContext.setResponseHeader), by lower-case name. */
export type PluginResponseHeaders = ReadonlyMap<string, readonly string[]>;

type HeaderValue = OutgoingHttpHeaders[string];

function asList(value: HeaderValue): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * Merges plugin headers into a header object about to be written: `Set-Cookie` is added to
 * what is there (the upstream's own cookies survive a session cookie), any other name replaces.
 * Pure on `headers`, so both forwarders and plugin exits get the same rule.
 */
export function mergePluginHeaders(headers: OutgoingHttpHeaders, plugin: PluginResponseHeaders): void {
  for (const [name, values] of plugin) {
    const existing = Object.keys(headers).find((key) => key.toLowerCase() === name);
    if (name === "set-cookie") {
      const merged = [...asList(existing === undefined ? undefined : headers[existing]), ...values];
      if (existing !== undefined) delete headers[existing];
      headers[name] = merged;
    } else {
      if (existing !== undefined) delete headers[existing];
      headers[name] = values.length === 1 ? values[0]! : [...values];
    }
  }
}

/**
 * Applies the plugin headers when the response head is written, whoever writes it (http-proxy
 * sets the upstream's headers one by one then calls writeHead; undici passes them to writeHead;
 * plugin exits and error pages pass their own). Hooking writeHead on this one response is the
 * single place all of those meet, so the forwarders need not know about plugins. Read lazily:
 * plugins may still add headers after this is installed.
 */
export function applyPluginHeadersOnWrite(res: ServerResponse, plugin: PluginResponseHeaders): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]): ServerResponse {
    if (plugin.size === 0) return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
    const message = typeof rest[0] === "string" ? (rest.shift() as string) : undefined;
    const given = rest[0];
    const headers: OutgoingHttpHeaders = {};
    // Headers set earlier with setHeader (http-proxy's way) and those passed here all take part.
    for (const name of this.getHeaderNames()) headers[name] = this.getHeader(name);
    if (Array.isArray(given)) {
      // writeHead's flat [name, value, name, value…] form
      for (let i = 0; i + 1 < given.length; i += 2) {
        const name = String(given[i]).toLowerCase();
        headers[name] = name in headers && name === "set-cookie" ? [...asList(headers[name]), String(given[i + 1])] : String(given[i + 1]);
      }
    } else if (given && typeof given === "object") {
      for (const [name, value] of Object.entries(given as OutgoingHttpHeaders)) if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    mergePluginHeaders(headers, plugin);
    for (const name of this.getHeaderNames()) this.removeHeader(name);
    const args: unknown[] = message === undefined ? [headers] : [message, headers];
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...args);
  } as ServerResponse["writeHead"];
}
