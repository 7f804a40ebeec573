/**
 * RFC 9440: `Client-Cert` is one RFC 8941 Byte Sequence (`:base64(DER):`), `Client-Cert-Chain`
 * a List of them (the intermediates, leaf excluded), possibly over several header lines (which
 * arrive joined with commas). Parameters on the items are not defined by RFC 9440 and refused.
 */
import { MAX_CHAIN, certificateDer, strictBase64 } from "./der.ts";

function byteSequence(item: string): Buffer | undefined {
  const match = /^:([A-Za-z0-9+/=]*):$/.exec(item.trim());
  return match ? certificateDer(strictBase64(match[1]!)) : undefined;
}

export function rfc9440Certificate(value: string): Buffer | undefined {
  return byteSequence(value);
}

/** The intermediates; undefined when any member is not a certificate (the whole header is then refused). */
export function rfc9440Chain(value: string | undefined): Buffer[] | undefined {
  if (value === undefined || value.trim() === "") return [];
  const members = value.split(",");
  if (members.length > MAX_CHAIN) return undefined;
  const out: Buffer[] = [];
  for (const member of members) {
    const der = byteSequence(member);
    if (!der) return undefined;
    out.push(der);
  }
  return out;
}
