/** The view a URL fragment names: `#/services/abc/edit?offset=x` → pattern parameters and query. */
export interface Location {
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?", 2);
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

/** `services/:id/edit` against the parts: the parameters, or undefined when it does not match. */
export function match(pattern: string, parts: string[]): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  if (want.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const part = parts[i]!;
    if (segment.startsWith(":")) params[segment.slice(1)] = part;
    else if (segment !== part) return undefined;
  }
  return params;
}
