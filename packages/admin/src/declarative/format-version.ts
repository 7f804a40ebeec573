/**
 * `_format_version`: Kong 3.x reads "1.1", "2.1" and "3.0". Files older than 3.0 wrote regex
 * route paths without the `~` prefix; Kong's loader migrates them on the fly
 * (kong/db/declarative/migrations/route_path.lua), and so does this.
 */
export const FORMAT_VERSIONS = ["1.1", "2.1", "3.0"] as const;
export const CURRENT_FORMAT = "3.0";

/** Kong's is_not_regex: only these characters make a plain (prefix) path. */
const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

/**
 * A pre-3.0 path as 3.0 reads it: anything beyond plain path characters was a regex and gets `~`.
 * (Kong also percent-decodes such regexes one last time; Tether leaves `%XX` as written.)
 */
export function migratePath(path: string): string {
  return PLAIN_PATH.test(path) ? path : `~${path}`;
}

export function needsPathMigration(version: string): boolean {
  return version === "1.1" || version === "2.1";
}
