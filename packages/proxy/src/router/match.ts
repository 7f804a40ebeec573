import type { Route, Service } from "@tether/core";

/** What the router looks at in a request. */
export interface RequestFacts {
  method: string;
  /** Host header without the port, as received. */
  host: string;
  /** The port the request arrived on (for `host:port` route entries). */
  port: number;
  /** Normalized path, without the query. */
  path: string;
  scheme: "http" | "https";
  headers: Record<string, string | string[] | undefined>;
  sni: string | undefined;
}

export interface RouteMatch {
  route: Route;
  service: Service;
  /** The matched path prefix to strip, when the route strips it. */
  strippedPrefix: string | undefined;
  /** Regex captures of a `~` path (named and numbered). */
  captures: Record<string, string> | undefined;
}

interface HostMatcher {
  kind: "exact" | "suffix" | "prefix";
  value: string;
  port: number | undefined;
}

/** A route split per path (Kong splits routes by path group so each gets its own priority). */
interface CompiledRoute {
  route: Route;
  service: Service;
  methods: Set<string> | undefined;
  hosts: HostMatcher[] | undefined;
  headers: { name: string; values: string[]; regexes: RegExp[] }[];
  snis: HostMatcher[] | undefined;
  path: { kind: "prefix"; value: string } | { kind: "regex"; regex: RegExp } | undefined;
  priority: bigint;
}

function hostMatcher(entry: string): HostMatcher {
  const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
  const host = m[1]!.replace(/\.$/, "");
  const port = m[2] ? Number(m[2]) : undefined;
  if (host.startsWith("*.")) return { kind: "suffix", value: host.slice(1), port };
  if (host.endsWith(".*")) return { kind: "prefix", value: host.slice(0, -1), port };
  return { kind: "exact", value: host, port };
}

function hostMatches(matchers: HostMatcher[], host: string, port: number | undefined): boolean {
  return matchers.some((m) => {
    if (m.port !== undefined && m.port !== port) return false;
    if (m.kind === "exact") return host === m.value;
    if (m.kind === "suffix") return host.endsWith(m.value) && host.length > m.value.length;
    return host.startsWith(m.value) && host.length > m.value.length;
  });
}

/** Kong's traditional_compatible priority bits (reference 2.2), most significant first. */
function priority(route: Route, regex: boolean, prefixLength: number): bigint {
  const attrs = [route.methods, route.hosts, route.headers && Object.keys(route.headers).length ? route.headers : null, route.snis, route.paths];
  const weight = BigInt(attrs.filter((a) => a !== null && (!Array.isArray(a) || a.length > 0)).length);
  const plainHosts = route.hosts?.length && route.hosts.every((h) => !h.includes("*")) ? 1n : 0n;
  const headerCount = BigInt(Math.min(255, Object.keys(route.headers ?? {}).length));
  const regexBit = regex ? 1n : 0n;
  const regexPriority = regex ? BigInt(Math.max(-(2 ** 17), Math.min(2 ** 17 - 1, route.regex_priority)) + 2 ** 17) : 0n;
  return (
    (weight << 60n) | (plainHosts << 59n) | (headerCount << 51n) | (regexBit << 50n) | (regexPriority << 32n) | BigInt(Math.min(prefixLength, 2 ** 32 - 1))
  );
}

/**
 * A regex from stored config, or undefined when it does not compile. The Admin API does not check
 * every pattern (header `~*` values), and one bad route must not make every snapshot fail to build.
 */
function tryRegExp(source: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

function compileRoute(route: Route, service: Service): CompiledRoute[] {
  const headers: CompiledRoute["headers"] = [];
  for (const [name, values] of Object.entries(route.headers ?? {})) {
    // Kong lower-cases both sides; the `i` flag does that for the pattern without turning `\D` into `\d`.
    const patterns = values.filter((v) => v.startsWith("~*"));
    const regexes = patterns.map((v) => tryRegExp(v.slice(2), "i")).filter((r): r is RegExp => r !== undefined);
    if (regexes.length !== patterns.length) return []; // left out, as if it never matched
    headers.push({
      name: name.toLowerCase(),
      values: values.filter((v) => !v.startsWith("~*")).map((v) => v.toLowerCase()),
      regexes,
    });
  }
  const base = {
    route,
    service,
    methods: route.methods?.length ? new Set(route.methods) : undefined,
    hosts: route.hosts?.length ? route.hosts.map(hostMatcher) : undefined,
    snis: route.snis?.length ? route.snis.map(hostMatcher) : undefined,
    headers,
  };
  if (!route.paths?.length) return [{ ...base, path: undefined, priority: priority(route, false, 0) }];
  return route.paths.flatMap((p): CompiledRoute[] => {
    if (!p.startsWith("~")) return [{ ...base, path: { kind: "prefix", value: p }, priority: priority(route, false, p.length) }];
    // `u`: the Admin API validates patterns with it, and it gives `\p{…}` classes as Rust's regex has.
    const regex = tryRegExp(`^(?:${p.slice(1)})`, "u");
    return regex ? [{ ...base, path: { kind: "regex", regex }, priority: priority(route, true, 0) }] : [];
  });
}

export interface Router {
  match(facts: RequestFacts): RouteMatch | undefined;
  readonly size: number;
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.toLowerCase());
}

function matchOne(c: CompiledRoute, f: RequestFacts): RouteMatch | undefined {
  if (c.methods && !c.methods.has(f.method)) return undefined;
  if (c.hosts && !hostMatches(c.hosts, f.host, f.port)) return undefined;
  if (c.snis && f.scheme === "https" && (f.sni === undefined || !hostMatches(c.snis, f.sni, undefined))) return undefined;
  for (const h of c.headers) {
    const values = headerValues(f.headers[h.name]);
    if (!values.some((v) => h.values.includes(v) || h.regexes.some((r) => r.test(v)))) return undefined;
  }
  let matched: string | undefined;
  let captures: Record<string, string> | undefined;
  if (c.path?.kind === "prefix") {
    if (!f.path.startsWith(c.path.value)) return undefined;
    matched = c.path.value;
  } else if (c.path?.kind === "regex") {
    const m = c.path.regex.exec(f.path);
    if (!m) return undefined;
    matched = m[0];
    captures = { ...m.groups };
    m.slice(1).forEach((v, i) => {
      if (v !== undefined) captures![String(i + 1)] = v;
    });
  }
  return {
    route: c.route,
    service: c.service,
    strippedPrefix: c.route.strip_path && matched !== undefined ? matched : undefined,
    captures,
  };
}

/** A plain (wildcard-free) host a route can only match under: the key of the host index. */
function plainHostsOf(c: CompiledRoute): string[] | undefined {
  if (!c.hosts || c.hosts.some((h) => h.kind !== "exact")) return undefined;
  return [...new Set(c.hosts.map((h) => h.value))];
}

/**
 * Compiles routes (of enabled services) into a matcher that tries them in Kong's priority order.
 * Routes whose hosts are all plain are indexed by host, so a request only looks at the routes of
 * its Host plus the rest (no hosts, or wildcards): lookup time does not grow with the number of
 * plain-host routes. The two candidate lists are merged by global rank, so the order is exactly
 * that of one sorted list.
 */
export function compileRouter(
  routes: readonly Route[],
  services: ReadonlyMap<string, Service>,
  options: { indexHosts?: boolean } = {},
): Router {
  const compiled: CompiledRoute[] = [];
  for (const route of routes) {
    const service = route.service ? services.get(route.service.id) : undefined;
    if (!service || !service.enabled) continue;
    compiled.push(...compileRoute(route, service));
  }
  compiled.sort((a, b) => (a.priority === b.priority ? 0 : a.priority > b.priority ? -1 : 1));
  const byHost = new Map<string, number[]>();
  const general: number[] = [];
  compiled.forEach((c, rank) => {
    const hosts = options.indexHosts === false ? undefined : plainHostsOf(c);
    if (!hosts) return void general.push(rank);
    for (const host of hosts) {
      const list = byHost.get(host);
      if (list) list.push(rank);
      else byHost.set(host, [rank]);
    }
  });
  const none: number[] = [];
  return {
    size: compiled.length,
    match(facts) {
      const hosted = byHost.get(facts.host) ?? none;
      let i = 0;
      let j = 0;
      while (i < hosted.length || j < general.length) {
        const rank = j >= general.length || (i < hosted.length && hosted[i]! < general[j]!) ? hosted[i++]! : general[j++]!;
        const m = matchOne(compiled[rank]!, facts);
        if (m) return m;
      }
      return undefined;
    },
  };
}
