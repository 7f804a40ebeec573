import { Document, parse, Scalar, visit } from "yaml";

/** A file that could not be read as a declarative document (Kong's wording). */
export class ParseError extends Error {}

/**
 * Reads a declarative file the way Kong's parse_string does: `.json` as JSON, anything else as
 * YAML (a superset of JSON). Duplicate keys are refused and alias expansion is bounded, so a
 * hostile file cannot blow up memory.
 */
export function parseDeclarative(text: string, filename: string): unknown {
  try {
    if (/\.json$/i.test(filename)) return JSON.parse(text) as unknown;
    return parseYaml(text);
  } catch (error) {
    throw new ParseError(`failed parsing declarative configuration: ${(error as Error).message}`);
  }
}

const parseYaml = (text: string): unknown => parse(text, { uniqueKeys: true, maxAliasCount: 100 }) as unknown;

/**
 * A configuration text that came without a file name (`POST /config`), read as Kong's unserialize
 * does: JSON first, then YAML; anything but an object is refused. The message is the parser's
 * first line (the `yaml` package appends a code frame).
 */
export function parseDeclarativeText(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    try {
      value = parseYaml(text);
    } catch (error) {
      const reason = ((error as Error).message.split("\n")[0] ?? "").replace(/:$/, "");
      throw new ParseError(`failed parsing declarative configuration: ${reason}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ParseError("failed parsing declarative configuration: expected an object");
  return value as Record<string, unknown>;
}

/**
 * A one-line string a YAML 1.1 reader would take for something else: Kong's lyaml and decK read
 * `off`, `yes` or `0o17` as a boolean or a number, where YAML 1.2 (what we write) sees a string.
 */
function ambiguousInYaml11(text: string): boolean {
  try {
    return parse(text, { version: "1.1" }) !== text;
  } catch {
    return true;
  }
}

/**
 * YAML as exported: no line folding (PEM blocks stay literal blocks), no anchors, and strings
 * quoted wherever a YAML 1.1 reader would misread them, so Kong can read the file too.
 */
export function renderDeclarative(value: Record<string, unknown>): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && !node.value.includes("\n") && ambiguousInYaml11(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
