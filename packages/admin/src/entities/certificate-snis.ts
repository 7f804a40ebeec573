/**
 * The write-only `snis` shorthand of certificates (kong/db/dao/certificates.lua, snis.lua): a list
 * of names that becomes the certificate's SNI entities, and the `snis` list every certificate
 * response carries. Callers run these inside the transaction that writes the certificate.
 */
import { schemaViolation, type Certificate, type Sni } from "@tether/core";
import type { StoreSession } from "@tether/store";
import type { DecodedBody } from "../http/body.ts";
import { buildEntity, type WriteContext } from "./write.ts";
import { isRecord } from "@tether/core";

/** The request's `snis`: undefined when absent (leave the SNIs be), else the names (null: none). */
export type SniShorthand = unknown[] | undefined;

/**
 * Takes `snis` out of a certificate body, which the entity schema would refuse as unknown.
 * A single string is a one-name list (Kong's prepare_args); null, or an empty form value, is none.
 */
export function takeSniShorthand(body: DecodedBody): { body: DecodedBody; snis: SniShorthand } {
  if (body.kind === "none" || !isRecord(body.value) || !Object.hasOwn(body.value, "snis")) return { body, snis: undefined };
  const { snis: raw, ...rest } = body.value;
  const rebuilt: DecodedBody = body.kind === "json" ? { kind: "json", value: rest } : { kind: "form", value: rest };
  if (raw === null || (body.kind === "form" && raw === "")) return { body: rebuilt, snis: [] };
  if (typeof raw === "string") return { body: rebuilt, snis: [raw] };
  if (Array.isArray(raw)) return { body: rebuilt, snis: raw };
  throw schemaViolation({ snis: "expected a set" });
}

/** Kong's parse_name_list: no name twice; the list sorted, as Kong stores and returns it. */
export function sniNameList(snis: readonly unknown[]): string[] {
  const seen = new Set<unknown>();
  for (const name of snis) {
    // Kong would fail inserting such an SNI, with the SNI schema's message.
    if (typeof name !== "string") throw schemaViolation({ name: "expected a string" });
    if (seen.has(name)) throw schemaViolation({ snis: `${name} is duplicated` });
    seen.add(name);
  }
  return [...(snis as string[])].sort();
}

/** Kong's check_list_is_new: a name may only be taken by `certificateId` itself (400, not 409). */
export async function assertSniNamesFree(store: StoreSession, names: readonly string[], certificateId: string | undefined): Promise<void> {
  for (const name of names) {
    const owner = (await store.daos.snis.getBy("name", name))?.certificate.id;
    if (owner !== undefined && owner !== certificateId)
      throw schemaViolation({ snis: `${name} already associated with existing certificate '${owner}'` });
  }
}

/** Far above any real certificate's SNI count: Kong's list_for_certificate iterates them all, unpaged. */
const ALL_SNIS = 1_000_000;

async function snisOf(store: StoreSession, certificateId: string): Promise<Sni[]> {
  return (await store.daos.snis.list({ size: ALL_SNIS, foreign: { field: "certificate", id: certificateId } })).data;
}

/** Kong's update_list: the certificate ends up with exactly these SNIs; each new one is validated as an SNI entity. */
export async function replaceSnis(write: WriteContext, certificateId: string, names: readonly string[]): Promise<void> {
  const current = await snisOf(write.store, certificateId);
  const wanted = new Set(names);
  for (const sni of current) if (!wanted.has(sni.name)) await write.store.daos.snis.delete(sni.id);
  const existing = new Set(current.map((sni) => sni.name));
  for (const name of names) {
    if (existing.has(name)) continue;
    const body: DecodedBody = { kind: "json", value: { name, certificate: { id: certificateId } } };
    await write.store.daos.snis.insert(await buildEntity(write, "snis", body, { mode: "create" }, undefined));
  }
}

/**
 * Kong's certificates DAO deletes a certificate's SNIs by name before the certificate itself
 * (the SNIs would cascade anyway; on a DB-less node the first of them is what refuses: `cannot
 * remove 'snis' entities by 'name'`).
 */
export async function deleteSnis(store: StoreSession, certificateId: string): Promise<void> {
  for (const sni of await snisOf(store, certificateId)) await store.daos.snis.delete(sni.id, { by: "name" });
}

/** A certificate as the Admin API answers it: with `snis`, its SNI names sorted. */
export async function withSniNames(store: StoreSession, certificate: Certificate): Promise<Certificate & { snis: string[] }> {
  return { ...certificate, snis: (await snisOf(store, certificate.id)).map((sni) => sni.name).sort() };
}
