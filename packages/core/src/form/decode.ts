/**
 * Steps 1-2 of Kong's arguments decoder (kong/api/arguments.lua, arguments_decoder.lua) for
 * form-urlencoded / multipart bodies and query strings: key paths and repeated keys.
 * Values stay strings; schema-driven coercion (step 3) lives in `coerce.ts`.
 *
 * Kong's decoder is lenient in ways that silently produce garbage (sparse Lua tables, keys
 * dropped or renamed); where the result would be ambiguous we throw FormDecodeError instead,
 * so the Admin API can answer 400 with a message naming the bad key.
 */

export class FormDecodeError extends Error {
  override readonly name = "FormDecodeError";
}

/** Bounds the work an unauthenticated body can cause (Kong caps post args too). */
export const MAX_FORM_PAIRS = 1000;
export const MAX_KEY_DEPTH = 32;

/** `end` = offset in the raw key just past the segment, to name a path prefix in errors. */
type Segment =
  | { kind: "key"; name: string; end: number }
  | { kind: "index"; index: number; end: number }
  | { kind: "append"; end: number };

interface ValueNode {
  kind: "value";
  values: string[];
  /** set by `key[]=`: always an array, even with a single value */
  append: boolean;
  key: string;
}
interface ObjectNode {
  kind: "object";
  props: Map<string, Node>;
  key: string;
}
interface ArrayNode {
  kind: "array";
  items: Map<number, Node>;
  key: string;
}
type Node = ValueNode | ObjectNode | ArrayNode;

/** Kong uses Lua's tonumber() to tell `[3]` (array) from `[name]` (map). */
function looksNumeric(s: string): boolean {
  return s.trim() !== "" && Number.isFinite(Number(s));
}

function bracketSegment(content: string, raw: string, end: number): Segment {
  if (content === "") return { kind: "append", end };
  if (/^[0-9]+$/.test(content)) {
    const index = Number(content);
    // An index above the pair cap can never be consecutive; rejecting early also avoids huge numbers.
    if (index < 1 || index > MAX_FORM_PAIRS) {
      throw new FormDecodeError(`invalid array index in '${raw}' (indices start at 1 and must be consecutive)`);
    }
    return { kind: "index", index, end };
  }
  // `[-1]`, `[1.5]`, `[0x2]` are array indices to Kong, but not valid ones.
  if (looksNumeric(content)) {
    throw new FormDecodeError(`invalid array index in '${raw}' (indices start at 1 and must be consecutive)`);
  }
  return { kind: "key", name: content, end };
}

/** Splits `a.b[c][1][]` into segments; malformed keys are errors rather than literal names. */
function parseFormKey(raw: string): Segment[] {
  if (raw === "") throw new FormDecodeError("empty key");
  const segments: Segment[] = [];

  // A name runs until '.' or '['; a stray ']' can only be a typo.
  const readName = (start: number): number => {
    let i = start;
    while (i < raw.length && raw[i] !== "." && raw[i] !== "[") {
      if (raw[i] === "]") throw new FormDecodeError(`unexpected ']' in '${raw}'`);
      i++;
    }
    if (i === start) throw new FormDecodeError(`empty key segment in '${raw}'`);
    return i;
  };

  let i = readName(0);
  segments.push({ kind: "key", name: raw.slice(0, i), end: i });
  while (i < raw.length) {
    if (segments.length >= MAX_KEY_DEPTH) {
      throw new FormDecodeError(`key '${raw}' nests deeper than ${MAX_KEY_DEPTH} levels`);
    }
    if (raw[i] === ".") {
      const end = readName(i + 1);
      segments.push({ kind: "key", name: raw.slice(i + 1, end), end });
      i = end;
      continue;
    }
    // raw[i] === "[": readName stops only at '.' or '[', and brackets are checked below.
    const close = raw.indexOf("]", i + 1);
    if (close < 0) throw new FormDecodeError(`unbalanced '[' in '${raw}'`);
    const content = raw.slice(i + 1, close);
    // Dots inside brackets stay literal (Kong: `test[foo.bar]` is one key); nested '[' is ambiguous.
    if (content.includes("[")) throw new FormDecodeError(`unexpected '[' in '${raw}'`);
    segments.push(bracketSegment(content, raw, close + 1));
    i = close + 1;
    if (i < raw.length && raw[i] !== "." && raw[i] !== "[") {
      throw new FormDecodeError(`unexpected character after ']' in '${raw}'`);
    }
  }

  // Kong puts every `a[].x` into element 1, which is never what the client meant.
  const appendAt = segments.findIndex((s) => s.kind === "append");
  if (appendAt >= 0 && appendAt !== segments.length - 1) {
    throw new FormDecodeError(`'[]' may only end a key, in '${raw}'`);
  }
  return segments;
}

const KIND_WORD = { value: "a value", append: "a value", object: "an object", array: "an indexed array" } as const;

function getChild(parent: ObjectNode | ArrayNode, seg: Segment): Node | undefined {
  if (parent.kind === "object") return seg.kind === "key" ? parent.props.get(seg.name) : undefined;
  return seg.kind === "index" ? parent.items.get(seg.index) : undefined;
}

function setChild(parent: ObjectNode | ArrayNode, seg: Segment, node: Node): void {
  if (parent.kind === "object" && seg.kind === "key") parent.props.set(seg.name, node);
  else if (parent.kind === "array" && seg.kind === "index") parent.items.set(seg.index, node);
}

function insert(root: ObjectNode, segments: Segment[], value: string, raw: string): void {
  let parent: ObjectNode | ArrayNode = root;
  for (let d = 0; d < segments.length; d++) {
    const seg = segments[d]!;
    const next = segments[d + 1];
    const path = raw.slice(0, seg.end);
    // The next segment decides what this slot holds: `.x` an object, `[n]` an array, `[]` a list.
    const wanted = next === undefined ? "value" : next.kind === "key" ? "object" : next.kind === "index" ? "array" : "append";
    const existing = getChild(parent, seg);
    const existingKind = existing?.kind === "value" && existing.append ? "append" : existing?.kind;

    if (wanted === "value" || wanted === "append") {
      let node = existing;
      if (node === undefined) {
        node = { kind: "value", values: [], append: false, key: raw };
        setChild(parent, seg, node);
      } else if (node.kind !== "value") {
        throw new FormDecodeError(`key '${raw}' conflicts with '${node.key}': '${path}' cannot be both ${KIND_WORD[wanted]} and ${KIND_WORD[node.kind]}`);
      } else if (seg.kind === "index" && wanted === "value") {
        // `a[1]=x&a[1]=y` would make a nested array; almost certainly a client bug.
        throw new FormDecodeError(`duplicate array index in '${raw}'`);
      }
      if (wanted === "append") node.append = true;
      node.values.push(value);
      return;
    }

    if (existing === undefined) {
      const node: ObjectNode | ArrayNode =
        wanted === "object" ? { kind: "object", props: new Map(), key: raw } : { kind: "array", items: new Map(), key: raw };
      setChild(parent, seg, node);
      parent = node;
    } else if (existing.kind === wanted) {
      parent = existing;
    } else {
      const what = existingKind === "append" ? "an appended array" : KIND_WORD[existing.kind];
      throw new FormDecodeError(`key '${raw}' conflicts with '${existing.key}': '${path}' cannot be both ${KIND_WORD[wanted]} and ${what}`);
    }
  }
}

/** Own data property even for `__proto__`: plain assignment would set the prototype instead. */
export function defineOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function finish(node: Node): unknown {
  switch (node.kind) {
    case "value":
      return node.values.length === 1 && !node.append ? node.values[0] : [...node.values];
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, child] of node.props) defineOwn(out, k, finish(child));
      return out;
    }
    case "array": {
      // Indices may arrive in any order but must cover 1..n exactly.
      const n = node.items.size;
      const out: unknown[] = [];
      for (let i = 1; i <= n; i++) {
        const child = node.items.get(i);
        if (child === undefined) {
          const stray = [...node.items.entries()].filter(([idx]) => idx > n).sort(([a], [b]) => a - b)[0];
          const key = stray?.[1].key ?? node.key;
          throw new FormDecodeError(`invalid array index in '${key}' (indices start at 1 and must be consecutive)`);
        }
        out.push(finish(child));
      }
      return out;
    }
  }
}

/** Kong's arguments decoder, steps 1-2: key paths ('.' and '[...]'), '[]' appends, '[n]' 1-based consecutive indices, repeated keys become arrays. */
export function decodeFormPairs(pairs: Iterable<readonly [string, string]>): Record<string, unknown> {
  const root: ObjectNode = { kind: "object", props: new Map(), key: "" };
  let count = 0;
  for (const [key, value] of pairs) {
    if (++count > MAX_FORM_PAIRS) throw new FormDecodeError(`too many form fields (at most ${MAX_FORM_PAIRS})`);
    insert(root, parseFormKey(key), value, key);
  }
  return finish(root) as Record<string, unknown>;
}
