/**
 * Samples of a Prometheus text exposition (format 0.0.4, what `GET /metrics` answers): the lines
 * `name{label="value",...} value [timestamp]`; comments and other metrics are skipped.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', n: "\n" };

/** The `{...}` label set starting at `line[at]` (at the `{`): the labels and where it ends; undefined when malformed. */
function readLabels(line: string, at: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (line[i] === " " || line[i] === ",") i++;
    if (line[i] === "}") return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (!name || line[i + name.length] !== "=" || line[i + name.length + 1] !== '"') return undefined;
    i += name.length + 2;
    let value = "";
    for (; i < line.length && line[i] !== '"'; i++) {
      // Label values escape backslash, double quote and line feed.
      if (line[i] === "\\") value += ESCAPES[line[++i] ?? ""] ?? `\\${line[i] ?? ""}`;
      else value += line[i];
    }
    if (i >= line.length) return undefined;
    labels[name] = value;
    i++;
  }
}

/** The samples of the metrics named in `names` (all when omitted); lines it cannot read are skipped. */
export function parseSamples(text: string, names?: ReadonlySet<string>): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const name = NAME.exec(line)?.[0];
    if (!name || (names && !names.has(name))) continue;
    let labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith("{")) {
      const read = readLabels(line, name.length);
      if (!read) continue;
      labels = read.labels;
      rest = line.slice(read.end);
    }
    const token = rest.trim().split(/\s+/)[0] ?? "";
    const value = token === "+Inf" ? Infinity : token === "-Inf" ? -Infinity : Number(token);
    if (token === "" || (Number.isNaN(value) && token !== "NaN")) continue;
    out.push({ name, labels, value });
  }
  return out;
}
