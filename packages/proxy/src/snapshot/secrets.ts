import {
  certificateSchema,
  keySchema,
  resolveReferences,
  type Certificate,
  type Key,
  type FieldSchema,
  type Logger,
  type PluginDefinition,
  type PluginInstance,
  type SecretSources,
} from "@tether/core";

/**
 * Vault references resolved for the proxy (docs/vaults.md): the compiled snapshot gets copies with
 * the secrets; the stored entities keep their references. A reference that does not resolve is
 * logged once per load, by reference, entity and field (never a value), and becomes `""` as in Kong.
 */
function withSecrets<T>(schema: FieldSchema, value: T, root: string, secrets: SecretSources, log: Logger, entity: Record<string, string>): T {
  const resolved = resolveReferences(schema, value, secrets, root);
  for (const { field, reference, error } of resolved.unresolved) log.error("unable to resolve vault reference", { reference, error, ...entity, field });
  return resolved.value;
}

/** The config a plugin instance runs with. */
export function pluginConfigWithSecrets(definition: PluginDefinition, instance: PluginInstance, secrets: SecretSources, log: Logger): Record<string, unknown> {
  return withSecrets(definition.configSchema, instance.config, "config", secrets, log, { plugin: instance.name, plugin_id: instance.id });
}

/** A certificate with its PEMs (a PEM that does not resolve is then refused where it is served). */
export function certificateWithSecrets(certificate: Certificate, secrets: SecretSources, log: Logger): Certificate {
  return withSecrets(certificateSchema, certificate, "", secrets, log, { certificate: certificate.id });
}

/** A key with its JWK or PEMs (one that does not resolve leaves the key unusable where it is used). */
export function keyWithSecrets(key: Key, secrets: SecretSources, log: Logger): Key {
  return withSecrets(keySchema, key, "", secrets, log, { key: key.id });
}
