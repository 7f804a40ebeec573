/**
 * Kong's vault references (kong/pdk/vault.lua): `{vault://<vault>/<resource>[/<key>][?config][#version]}`
 * where `<vault>` is a vault name (`env`) or a `/vaults` entity's prefix.
 */
export interface VaultReference {
  /** The vault name (`env`) or a vault entity's prefix. */
  readonly name: string;
  /** What the vault looks up (for the env vault: the variable name, before prefix and upper-casing). */
  readonly resource: string;
  /** A member of a JSON object secret (`{vault://env/pg/password}`), when the path has one more segment. */
  readonly key: string | undefined;
  /** Configuration overrides from the query (`?prefix=SSL_`). */
  readonly config: Readonly<Record<string, string>>;
  /** `#2` asks the env vault for `<NAME>_PREVIOUS`. */
  readonly version: number | undefined;
}

export type ParsedReference = { ok: true; reference: VaultReference } | { ok: false; error: string };

/** Kong's `is_reference`: a string starting with `{vault://` and ending with `}`; nothing else is checked. */
export function isReference(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("{vault://") && value.endsWith("}");
}

const fail = (error: string): ParsedReference => ({ ok: false, error });

const unescape = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/**
 * Kong's `parse_reference`, with its messages (socket.url splits the URL: fragment, then query,
 * then authority up to the first `/`). A resource of several segments keeps all but the last,
 * which becomes the key, unless the path ends with `/` (a directory: no key).
 */
export function parseReference(value: string): ParsedReference {
  if (!isReference(value)) return fail(`not a reference [${value}]`);
  let rest = value.slice("{vault://".length, -1);
  let fragment: string | undefined;
  let query: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)];
  const question = rest.indexOf("?");
  if (question >= 0) [rest, query] = [rest.slice(0, question), rest.slice(question + 1)];
  const slash = rest.indexOf("/");
  const name = slash >= 0 ? rest.slice(0, slash) : rest;
  if (name === "") return fail(`reference url is missing host [${value}]`);
  if (slash < 0) return fail(`reference url is missing path [${value}]`);
  const path = rest.slice(slash + 1);
  if (path === "") return fail(`reference url has empty path [${value}]`);

  let version: number | undefined;
  if (fragment !== undefined) {
    if (!/^\d+$/.test(fragment)) return fail(`reference url has invalid version [${value}]`);
    version = Number(fragment);
  }

  const directory = path.endsWith("/");
  const parts = path.split("/").filter((part) => part !== "");
  if (parts.length === 0) return fail(`reference url has invalid path [${value}]`);
  const split = parts.length > 1 && !directory;
  const resource = unescape(split ? parts.slice(0, -1).join("/") : parts.join("/"));
  const key = split ? unescape(parts.at(-1)!) : undefined;
  const config = query ? Object.fromEntries(new URLSearchParams(query)) : {};
  return { ok: true, reference: { name, resource, key, config, version } };
}
