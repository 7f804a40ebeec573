/**
 * Which consumer a verified certificate belongs to, in Kong's order: for each name (SANs, then
 * CN) a manual mapping (`mtls_auth_credentials`) restricted to the CA that anchored the chain,
 * then one valid for any CA; failing every name, the consumers whose `consumer_by` fields equal
 * a name. Pure over the snapshot's ConfigView.
 */
import type { ConfigView, Consumer } from "@tether/core";
import type { MtlsAuthConsumerBy } from "./schema.ts";

export function consumerByCredential(names: readonly string[], anchorId: string, view: ConfigView): Consumer | undefined {
  for (const name of names) {
    const credentials = view.mtlsCredentials(name);
    const ordered = [
      ...credentials.filter((c) => c.ca_certificate?.id === anchorId),
      ...credentials.filter((c) => c.ca_certificate === null),
    ];
    for (const credential of ordered) {
      const consumer = view.consumer("id", credential.consumer.id);
      if (consumer) return consumer;
    }
  }
  return undefined;
}

export function consumerByField(names: readonly string[], fields: readonly MtlsAuthConsumerBy[], view: ConfigView): Consumer | undefined {
  for (const name of names) {
    for (const field of fields) {
      const consumer = view.consumer(field, name);
      if (consumer) return consumer;
    }
  }
  return undefined;
}
