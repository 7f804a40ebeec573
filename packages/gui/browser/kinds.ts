/** The entities the GUI lists and edits, in Kong Manager's sidebar order and words. */
export interface Kind {
  /** The Admin API collection (`/services`) and the GUI's path (`#/services`). */
  kind: string;
  title: string;
  /** One of them, in sentences ("Create a gateway service"). */
  noun: string;
  /** The columns of its list. */
  columns: string[];
}

export const KINDS: Kind[] = [
  { kind: "services", title: "Gateway Services", noun: "gateway service", columns: ["name", "protocol", "host", "port", "path", "enabled", "tags"] },
  { kind: "routes", title: "Routes", noun: "route", columns: ["name", "protocols", "hosts", "paths", "snis", "service", "tags"] },
  { kind: "consumers", title: "Consumers", noun: "consumer", columns: ["username", "custom_id", "tags"] },
  { kind: "plugins", title: "Plugins", noun: "plugin", columns: ["name", "enabled", "service", "route", "consumer", "protocols"] },
  { kind: "certificates", title: "Certificates", noun: "certificate", columns: ["id", "snis", "expires", "tags"] },
  { kind: "ca_certificates", title: "CA Certificates", noun: "CA certificate", columns: ["id", "cert_digest", "expires", "routes (mtls-auth)", "tags"] },
  { kind: "snis", title: "SNIs", noun: "SNI", columns: ["name", "certificate", "tags"] },
];

export function kindNamed(kind: string): Kind | undefined {
  return KINDS.find((k) => k.kind === kind);
}
