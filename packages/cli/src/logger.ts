import type { Logger } from "@tether/core";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
/** Field names whose values are secrets or credentials: never written to a log. */
const SECRET = /secret|password|token|authorization|cookie|session|private|key$/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET.test(k) ? "[redacted]" : redact(v, depth + 1)]),
  );
}

/** JSON lines on stdout, one per event; fields that could carry secrets are redacted by name. */
export function createLogger(level: keyof typeof LEVELS, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const min = LEVELS[level];
  const emit = (lvl: keyof typeof LEVELS) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: message, ...(redact(fields ?? {}) as object) })}\n`);
  };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}
