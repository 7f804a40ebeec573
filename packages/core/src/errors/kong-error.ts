/**
 * Errors the Admin API answers with, in Kong's shapes (reference 1.6). A KongError carries its
 * HTTP status and JSON body; the Admin API turns it into the response as is.
 */
export type FieldErrors = { [field: string]: FieldError };
export type FieldError = string | string[] | FieldErrors | (string | FieldErrors | null)[];

export class KongError extends Error {
  constructor(
    readonly status: number,
    readonly body: Readonly<Record<string, unknown>>,
  ) {
    super(typeof body["message"] === "string" ? body["message"] : `HTTP ${status}`);
  }
}

export const notFound = (message = "Not found"): KongError => new KongError(404, { message });

/** Flattens nested field errors to "path: message" lines, entity-level errors first (Kong's order). */
export function flattenFieldErrors(fields: FieldErrors, prefix = ""): string[] {
  const lines: string[] = [];
  const entity = fields["@entity"];
  if (Array.isArray(entity)) for (const m of entity) if (typeof m === "string") lines.push(prefix ? `${prefix.slice(0, -1)}: ${m}` : m);
  for (const key of Object.keys(fields).filter((k) => k !== "@entity").sort()) {
    const value = fields[key];
    const path = `${prefix}${key}`;
    if (typeof value === "string") lines.push(`${path}: ${value}`);
    else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (typeof item === "string") lines.push(`${path}.${i + 1}: ${item}`);
        else if (item && typeof item === "object") lines.push(...flattenFieldErrors(item, `${path}.${i + 1}.`));
      });
    } else if (value) lines.push(...flattenFieldErrors(value, `${path}.`));
  }
  return lines;
}

export function schemaViolation(fields: FieldErrors): KongError {
  const lines = flattenFieldErrors(fields);
  const message =
    lines.length === 1 ? `schema violation (${lines[0]})` : `${lines.length} schema violations (${lines.join("; ")})`;
  return new KongError(400, { code: 2, name: "schema violation", message, fields });
}

/** Renders a key as Kong's Lua-table literal: {name="x"}, {id="…"}, null. */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object")
    return `{${Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${luaLiteral(v)}`)
      .join(",")}}`;
  return String(value);
}

export function uniqueViolation(fields: Record<string, unknown>): KongError {
  return new KongError(409, {
    code: 5,
    name: "unique constraint violation",
    message: `UNIQUE violation detected on '${luaLiteral(fields)}'`,
    fields,
  });
}

export function primaryKeyViolation(id: string): KongError {
  return new KongError(409, {
    code: 3,
    name: "primary key violation",
    message: `primary key violation on key '{id="${id}"}'`,
    fields: { id },
  });
}

export function foreignKeyViolation(field: string, id: string, entity: string): KongError {
  return new KongError(400, {
    code: 4,
    name: "foreign key violation",
    message: `the foreign key '{id="${id}"}' does not reference an existing '${entity}' entity.`,
    fields: { [field]: { id } },
  });
}

/** A parent still referenced by children (e.g. deleting a service that still has routes). */
export function referencedByViolation(parent: string, child: string): KongError {
  return new KongError(400, {
    code: 4,
    name: "foreign key violation",
    message: `an existing '${child}' entity references this '${parent}' entity`,
    fields: { "@referenced_by": child },
  });
}

export function foreignKeysUnresolved(field: string, key: string, value: string, entity: string): KongError {
  const text = `the foreign key cannot be resolved with '{${key}=${JSON.stringify(value)}}' for an existing '${entity}' entity`;
  return new KongError(400, {
    code: 13,
    name: "foreign keys unresolved",
    message: `foreign key unresolved (${field}.${key}: ${text})`,
    fields: { [field]: { [key]: text } },
  });
}

export function invalidPrimaryKey(id: string): KongError {
  return new KongError(400, {
    code: 1,
    name: "invalid primary key",
    message: `invalid primary key: '{id="${id}"}'`,
    fields: { id: "expected a valid UUID" },
  });
}

export function invalidSize(message: string): KongError {
  return new KongError(400, { code: 9, name: "invalid size", message });
}

/** Code 7; `reason` is Kong's: "bad base64 encoding", then "bad json encoding" once it decodes. */
export function invalidOffset(offset: string, reason = "bad base64 encoding"): KongError {
  return new KongError(400, { code: 7, name: "invalid offset", message: `'${offset}' is not a valid offset: ${reason}` });
}

/** Code 11 (e.g. a bad `?tags=`): one error reads "invalid option (…)", several "<n> option violations (…)". */
export function invalidOptions(options: Record<string, string>): KongError {
  const lines = Object.keys(options)
    .sort()
    .map((name) => `${name}: ${options[name]}`);
  const message = lines.length === 1 ? `invalid option (${lines[0]})` : `${lines.length} option violations (${lines.join("; ")})`;
  return new KongError(400, { code: 11, name: "invalid options", message, options });
}

/** Code 19: a CA certificate still named by a service or a plugin cannot be deleted (Kong's DAO). */
export function referencedByOthers(message: string): KongError {
  return new KongError(400, { code: 19, name: "referenced by others", message });
}

/**
 * Code 12: a write on a DB-less node, answered 405 (Kong's off strategy). `verb` is Kong's:
 * `create` (POST), `create or update` (PUT), `update` (PATCH), `remove` (DELETE); `by` the
 * endpoint key when the URL named the entity by it.
 */
export function operationUnsupported(verb: string, entity: string, by?: string): KongError {
  const how = by ? ` by '${by}'` : "";
  return new KongError(405, {
    code: 12,
    name: "operation unsupported",
    message: `cannot ${verb} '${entity}' entities${how} when not using a database`,
  });
}
