import type { ConfigView, Consumer } from "@tether/core";
import { claimFrom, type Claims } from "./claims.ts";

export type ConsumerBy = "id" | "username" | "custom_id";

export interface ConsumerMapping {
  /** Claim paths to try, first hit wins: `consumer_claims` (3.14), else `[consumer_claim]`. */
  paths: readonly (readonly string[])[];
  by: readonly ConsumerBy[];
  ignoreCase: boolean;
}

/** The mapping configured, or undefined when no consumer claim is set (no mapping at all). */
export function consumerMapping(config: {
  consumer_claim?: string[] | null;
  consumer_claims?: string[][] | null;
  consumer_by: ConsumerBy[] | null;
  by_username_ignore_case: boolean | null;
}): ConsumerMapping | undefined {
  const paths = config.consumer_claims?.length ? config.consumer_claims : config.consumer_claim?.length ? [config.consumer_claim] : [];
  if (paths.length === 0) return undefined;
  return { paths, by: config.consumer_by ?? ["username", "custom_id"], ignoreCase: config.by_username_ignore_case === true };
}

/** A claim value usable as a consumer key: a string, or a number spelled as one. */
function asKey(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Kong's lookup: for each claim path in turn, the consumer whose `consumer_by` fields (in order)
 * equal the claim value; the first consumer found wins. Sources: introspection answer first, then
 * the token.
 */
export function findConsumer(view: Pick<ConfigView, "consumer">, mapping: ConsumerMapping, sources: readonly Claims[]): Consumer | undefined {
  for (const path of mapping.paths) {
    const key = asKey(claimFrom(sources, path));
    if (key === undefined) continue;
    for (const by of mapping.by) {
      const consumer = view.consumer(by, key, by === "username" && mapping.ignoreCase);
      if (consumer) return consumer;
    }
  }
  return undefined;
}

/** The virtual credential's id from `credential_claim` (default `sub`), for X-Credential-Identifier. */
export function credentialIdentifier(path: readonly string[] | null | undefined, sources: readonly Claims[]): string | undefined {
  return asKey(claimFrom(sources, path ?? ["sub"]));
}
