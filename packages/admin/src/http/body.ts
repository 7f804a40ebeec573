import type { IncomingMessage } from "node:http";
import { decodeFormPairs, FormDecodeError, KongError } from "@tether/core";

/** A request body as Kong's Admin API distinguishes them: JSON is used as is, forms get coerced. */
export type DecodedBody =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "form"; value: Record<string, unknown> };

export const BODY_LIMIT = 1024 * 1024;

async function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new KongError(413, { message: "Payload too large" });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new KongError(413, { message: "Payload too large" });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function contentTypes(req: IncomingMessage): string[] {
  const types: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]!.toLowerCase() === "content-type") types.push(req.rawHeaders[i + 1]!);
  return types;
}

/** A request's body as it came: the bytes and the one Content-Type header (Kong refuses two). */
export interface RawBody {
  raw: Buffer;
  contentType: string | undefined;
  /** The media type alone, lower case (`application/json`), or "" without a Content-Type. */
  mime: string;
}

export async function readRawBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<RawBody> {
  const types = contentTypes(req);
  if (types.length > 1) throw new KongError(400, { message: "Multiple Content-Type headers not allowed" });
  const raw = await readRaw(req, limit);
  return { raw, contentType: types[0], mime: (types[0] ?? "").split(";")[0]!.trim().toLowerCase() };
}

/** JSON as is, forms coerced; any other content type with a body is Kong's 415. */
export async function decodeBody({ raw, contentType, mime }: RawBody): Promise<DecodedBody> {
  if (raw.length === 0) return { kind: "none" };
  if (mime === "application/json" || mime.endsWith("+json")) {
    try {
      return { kind: "json", value: JSON.parse(raw.toString("utf8")) as unknown };
    } catch {
      throw new KongError(400, { message: "Cannot parse JSON body" });
    }
  }
  if (mime === "application/x-www-form-urlencoded") return { kind: "form", value: decodeForm(new URLSearchParams(raw.toString("utf8"))) };
  if (mime === "multipart/form-data") return { kind: "form", value: decodeForm(await multipartPairs(raw, contentType!)) };
  throw new KongError(415, {}); // Kong answers 415 with an empty body
}

export async function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<DecodedBody> {
  return decodeBody(await readRawBody(req, limit));
}

function decodeForm(pairs: Iterable<readonly [string, string]>): Record<string, unknown> {
  try {
    return decodeFormPairs(pairs);
  } catch (error) {
    if (error instanceof FormDecodeError) throw new KongError(400, { message: error.message });
    throw error;
  }
}

/** Multipart fields as form pairs (httpie -f with a file, curl -F); a file part counts as its text. */
async function multipartPairs(raw: Buffer, contentType: string): Promise<[string, string][]> {
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new KongError(400, { message: "Cannot parse multipart body" });
  }
  const pairs: [string, string][] = [];
  for (const [key, value] of form) pairs.push([key, typeof value === "string" ? value : await value.text()]);
  return pairs;
}
