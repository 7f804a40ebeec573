/**
 * The raw query string (`?a=1&b=2`, or "") without the arguments named, every other byte kept
 * as the client sent it (re-serialising would change `+`/`%20` and argument order upstream).
 */
export function withoutQueryArgs(rawQuery: string, names: ReadonlySet<string>): string {
  if (names.size === 0 || rawQuery.length <= 1) return rawQuery;
  const kept = rawQuery
    .slice(1)
    .split("&")
    .filter((pair) => {
      const eq = pair.indexOf("=");
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        name = rawName;
      }
      return !names.has(name);
    });
  return kept.length ? `?${kept.join("&")}` : "";
}
