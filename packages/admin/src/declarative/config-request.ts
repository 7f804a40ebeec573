import { createHash } from "node:crypto";
import { isRecord, KongError } from "@tether/core";
import type { DecodedBody } from "../http/body.ts";
import { parseDeclarativeText, ParseError } from "./yaml.ts";

/**
 * What a `POST /config` asks for, decided the way Kong's kong/api/routes/config.lua does
 * (`parse_config_post_opts`, `hydrate_config_from_request`). Pure: the endpoint reads the body
 * and loads the result.
 */

/** Kong's configuration_hash of a declarative text: its MD5. */
export const declarativeHash = (text: string): string => createHash("md5").update(text).digest("hex");

export interface ConfigOptions {
  /** `check_hash=1` (that exact value): 304 when the text is the configuration already loaded. */
  checkHash: boolean;
  /** `flatten_errors` true/1/on/yes, any case: errors as Kong's `flattened_errors` list. */
  flattenErrors: boolean;
}

const TRUTHY = new Set(["true", "1", "on", "yes"]);

export function configOptions(query: Record<string, string | string[] | undefined>): ConfigOptions {
  const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
  return {
    checkHash: one(query["check_hash"]) === "1",
    flattenErrors: TRUTHY.has((one(query["flatten_errors"]) ?? "").toLowerCase()),
  };
}

/** The body of a `POST /config`: decoded as any Admin API body, or a YAML text (accepted on this route only). */
export type ConfigBody = DecodedBody | { kind: "yaml"; value: string };

/**
 * The configuration a request carries: a document, with the hash it is loaded under and whether
 * that hash is of the text as sent (only then can `check_hash` answer 304); or the text could not
 * be read (Kong's `{"error": "failed parsing declarative configuration: …"}`).
 */
export type ConfigInput =
  | { kind: "document"; doc: Record<string, unknown>; hash: string; ofText: boolean }
  | { kind: "unreadable"; error: string };

const NO_CONFIGURATION = (): KongError => new KongError(400, { message: "expected a declarative configuration" });

function fromText(text: string): ConfigInput {
  try {
    return { kind: "document", doc: parseDeclarativeText(text), hash: declarativeHash(text), ofText: true };
  } catch (error) {
    if (error instanceof ParseError) return { kind: "unreadable", error: error.message };
    throw error;
  }
}

/** Kong hashes the loaded entities when it has no text: Tether hashes the document as sent. */
const fromObject = (doc: Record<string, unknown>): ConfigInput => ({ kind: "document", doc, hash: declarativeHash(JSON.stringify(doc)), ofText: false });

/** A Lua truth test, as Kong's `if params.x then`: anything but nil and false. */
const given = (value: unknown): boolean => value !== undefined && value !== null && value !== false;

/**
 * Kong's order: a body whose top level has `_format_version` is the configuration itself; else
 * its `config` field is the text; else the raw body is (a YAML body, or anything else, which then
 * fails as a configuration); no body at all is 400. `raw` is the body's text, for that last case.
 */
export function configInput(body: ConfigBody, raw: string): ConfigInput {
  if (body.kind === "none") throw NO_CONFIGURATION();
  if (body.kind === "yaml") return fromText(body.value);
  const params = body.value;
  if (isRecord(params) && given(params["_format_version"])) return fromObject(params);
  const config = isRecord(params) ? params["config"] : undefined;
  if (given(config)) {
    if (typeof config === "string") return fromText(config);
    // Kong fails with a 500 on a `config` that is not a text; Tether reads an object as the document.
    if (isRecord(config)) return fromObject(config);
    return { kind: "unreadable", error: "failed parsing declarative configuration: expected an object" };
  }
  if (raw.length === 0) throw NO_CONFIGURATION();
  return fromText(raw);
}
