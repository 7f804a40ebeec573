/**
 * Envoy's `x-forwarded-client-cert`: comma-separated elements, one per proxy hop, each a
 * `;`-separated list of `Key=Value` pairs (`By`, `Hash`, `Cert`, `Chain`, `Subject`, `URI`, `DNS`).
 * Values holding `,` `;` `=` are double-quoted, with `\"` for a quote inside. A hop appends its
 * element, so the last one is the nearest hop's: the only one a trusted terminator vouches for;
 * earlier elements may have been sent by the client itself.
 */
import { createHash } from "node:crypto";
import { MAX_CHAIN, pemCertificates, singlePemCertificate, urlDecoded } from "./der.ts";

export type XfccElement = ReadonlyArray<readonly [key: string, value: string]>;

/** Hops accepted in one header: deeper meshes are not seen, and it bounds the work. */
const MAX_ELEMENTS = 16;
const KEY = /[A-Za-z0-9_-]/;

/** Every element with its pairs (keys as sent); undefined when the syntax is broken anywhere. */
export function parseXfcc(header: string): XfccElement[] | undefined {
  const elements: Array<Array<[string, string]>> = [];
  let pairs: Array<[string, string]> = [];
  let i = 0;
  const skipSpace = (): void => {
    while (header[i] === " " || header[i] === "\t") i += 1;
  };
  for (;;) {
    skipSpace();
    const keyStart = i;
    while (i < header.length && KEY.test(header[i]!)) i += 1;
    const key = header.slice(keyStart, i);
    if (key === "" || header[i] !== "=") return undefined;
    i += 1;
    let value = "";
    if (header[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= header.length) return undefined; // unterminated quote
        const c = header[i]!;
        if (c === "\\" && i + 1 < header.length) {
          value += header[i + 1];
          i += 2;
        } else if (c === '"') {
          i += 1;
          break;
        } else {
          value += c;
          i += 1;
        }
      }
      skipSpace();
    } else {
      const start = i;
      while (i < header.length && header[i] !== ";" && header[i] !== ",") {
        if (header[i] === '"') return undefined;
        i += 1;
      }
      value = header.slice(start, i).trim();
    }
    pairs.push([key, value]);
    if (i >= header.length) break;
    if (header[i] === ",") {
      elements.push(pairs);
      if (elements.length >= MAX_ELEMENTS) return undefined;
      pairs = [];
    } else if (header[i] !== ";") return undefined;
    i += 1;
  }
  elements.push(pairs);
  return elements;
}

/** The values of `key` (case-insensitive) in one element. */
function valuesOf(element: XfccElement, key: string): string[] {
  return element.filter(([k]) => k.toLowerCase() === key).map(([, v]) => v);
}

export type XfccCertificate = { leaf: Buffer; chain: Buffer[] } | { invalid: string };

/**
 * The certificate of the nearest hop's element: its `Cert` (URL-encoded PEM), the intermediates
 * from its `Chain` (Envoy puts the leaf first there), and its `Hash` (hex SHA-256 of the DER),
 * which must agree with `Cert` when present. An element without `Cert` carries no certificate
 * this plugin can verify; earlier elements are never used in its place.
 */
export function xfccCertificate(header: string): XfccCertificate {
  const elements = parseXfcc(header);
  if (!elements) return { invalid: "malformed x-forwarded-client-cert" };
  const nearest = elements[elements.length - 1]!;
  const certs = valuesOf(nearest, "cert");
  if (certs.length !== 1) return { invalid: `nearest x-forwarded-client-cert element has ${certs.length} Cert values` };
  const pem = urlDecoded(certs[0]!);
  const leaf = pem === undefined ? undefined : singlePemCertificate(pem);
  if (!leaf) return { invalid: "Cert is not one URL-encoded PEM certificate" };

  const hashes = valuesOf(nearest, "hash");
  if (hashes.length > 1) return { invalid: "several Hash values" };
  if (hashes.length === 1 && hashes[0]!.toLowerCase() !== createHash("sha256").update(leaf).digest("hex")) return { invalid: "Hash does not match Cert" };

  const chains = valuesOf(nearest, "chain");
  if (chains.length > 1) return { invalid: "several Chain values" };
  if (chains.length === 0) return { leaf, chain: [] };
  const chainPem = urlDecoded(chains[0]!);
  const chain = chainPem === undefined ? undefined : pemCertificates(chainPem);
  if (!chain || chain.length > MAX_CHAIN + 1) return { invalid: "Chain is not URL-encoded PEM certificates" };
  return { leaf, chain: chain.filter((der) => !der.equals(leaf)) };
}
