import type { CaCertificate, Certificate, ConfigData, Consumer, ConfigView, MtlsAuthCredential } from "@tether/core";

/** Indexes consumers, CA certificates, certificates and mtls credentials once per snapshot. */
export function buildConfigView(data: Pick<ConfigData, "consumers" | "ca_certificates" | "certificates" | "mtls_auth_credentials">): ConfigView {
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
  return {
    consumer(by, value, ignoreCase = false) {
      if (by === "id") return byId.get(value.toLowerCase());
      if (by === "custom_id") return byCustomId.get(value);
      return ignoreCase ? byUsernameLower.get(value.toLowerCase()) : byUsername.get(value);
    },
    caCertificate: (id) => cas.get(id),
    certificate: (id) => certificates.get(id),
    mtlsCredentials: (subjectName) => credentials.get(subjectName) ?? [],
  };
}
