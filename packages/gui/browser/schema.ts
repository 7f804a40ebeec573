/** Kong's schema notation (`GET /schemas/{entity}`, `GET /schemas/plugins/{name}`), the parts forms use. */
export interface KongField {
  type: string;
  required?: boolean;
  default?: unknown;
  one_of?: unknown[];
  elements?: KongField;
  fields?: FieldEntry[];
  auto?: boolean;
  eq?: unknown;
  reference?: string;
  description?: string;
  /** Not Kong's: the GUI's own forms ask for long text (a PEM, a token) in a text area. */
  multiline?: boolean;
}

/** Each field is a one-key object, in Kong's order. */
export type FieldEntry = Record<string, KongField>;

export interface KongSchema {
  fields: FieldEntry[];
}

export function entries(fields: FieldEntry[]): [string, KongField][] {
  return fields.flatMap((entry) => Object.entries(entry));
}

/** How a field is edited: the widget follows the type as Kong Manager's schema forms do. */
export type Widget = "text" | "multiline" | "number" | "checkbox" | "tristate" | "select" | "choices" | "lines" | "record" | "json" | "foreign";

export function widgetOf(field: KongField): Widget {
  switch (field.type) {
    case "string":
      return field.one_of ? "select" : field.multiline ? "multiline" : "text";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      // Without a default, "not set" is a third state (Kong refuses some flags unless null, e.g. tls_verify on http).
      return field.required || field.default !== undefined ? "checkbox" : "tristate";
    case "record":
      return "record";
    case "foreign":
      return "foreign";
    case "array":
    case "set": {
      const element = field.elements?.type;
      if (element === "string" && field.elements?.one_of) return "choices";
      return element === "string" || element === "number" || element === "integer" ? "lines" : "json";
    }
    default:
      return "json";
  }
}

/** Fields a form leaves out: set by the database (`auto`), or forbidden for this kind (`eq: null`). */
export function editable(field: KongField): boolean {
  return !field.auto && !(Object.hasOwn(field, "eq") && field.eq === null);
}

/**
 * Kong's 400 `fields` (nested like the entity: `{config: {issuer: "required field missing"}}`) as
 * dotted paths to messages; `@entity` checks and arrays of messages are joined.
 */
export function fieldErrors(fields: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof fields !== "object" || fields === null) return out;
  for (const [key, value] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else if (Array.isArray(value)) out.set(path, value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("; "));
    else for (const [inner, message] of fieldErrors(value, path)) out.set(inner, message);
  }
  return out;
}
