import type { CaCertificate, Certificate, ConfigData, Consumer, ConfigView, Key, MtlsAuthCredential } from "@tether/core";

type ViewData = Pick<ConfigData, "consumers" | "ca_certificates" | "certificates" | "mtls_auth_credentials" | "key_sets" | "keys">;

/** Each key set's keys, by the set's id and by its name, oldest first (then by id: a stable order). */
function keysBySet(data: Pick<ConfigData, "key_sets" | "keys">): Map<string, readonly Key[]> {
  const ordered = [...data.keys].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  const out = new Map<string, readonly Key[]>();
  for (const set of data.key_sets) {
    const keys = ordered.filter((k) => k.set?.id === set.id);
    out.set(set.id, keys);
    if (set.name !== null) out.set(set.name, keys);
  }
  return out;
}

/** Indexes consumers, CA certificates, certificates, mtls credentials and key sets once per snapshot. */
export function buildConfigView(data: ViewData): ConfigView {
  const byId = new Map<string, Consumer>();
  const byUsername = new Map<string, Consumer>();
  const byUsernameLower = new Map<string, Consumer>();
  const byCustomId = new Map<string, Consumer>();
  for (const c of data.consumers) {
    byId.set(c.id, c);
    if (c.username !== null) {
      byUsername.set(c.username, c);
      byUsernameLower.set(c.username.toLowerCase(), c);
    }
    if (c.custom_id !== null) byCustomId.set(c.custom_id, c);
  }
  const cas = new Map<string, CaCertificate>(data.ca_certificates.map((c) => [c.id, c]));
  const certificates = new Map<string, Certificate>(data.certificates.map((c) => [c.id, c]));
  const credentials = new Map<string, MtlsAuthCredential[]>();
  for (const credential of data.mtls_auth_credentials) {
    const list = credentials.get(credential.subject_name) ?? [];
    list.push(credential);
    credentials.set(credential.subject_name, list);
  }
  const keySets = keysBySet(data);
  return {
    consumer(by, value, ignoreCase = false) {
      if (by === "id") return byId.get(value.toLowerCase());
      if (by === "custom_id") return byCustomId.get(value);
      return ignoreCase ? byUsernameLower.get(value.toLowerCase()) : byUsername.get(value);
    },
    caCertificate: (id) => cas.get(id),
    certificate: (id) => certificates.get(id),
    mtlsCredentials: (subjectName) => credentials.get(subjectName) ?? [],
    keySet: (idOrName) => keySets.get(idOrName),
  };
}
