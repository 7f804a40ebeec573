import type { FieldErrors } from "../errors/kong-error.ts";
import type { PluginDefinition } from "../plugin/definition.ts";
import type { FieldSchema, RecordSchema } from "../schema/types.ts";
import { baseProperties, foreignField, nameField } from "./common.ts";
import type { PluginInstance } from "./types.ts";

const allProtocols = ["grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"];

/** Kong EE dynamic ordering: phase (only `access`) -> plugin names. Closed, so a body cannot nest without bound. */
const orderingPhases: FieldSchema = {
  type: ["object", "null"],
  kongType: "map",
  additionalProperties: false,
  properties: { access: { type: "array", items: { type: "string" } } },
};
const orderingField: FieldSchema = {
  type: ["object", "null"],
  kongType: "record",
  additionalProperties: false,
  properties: { before: orderingPhases, after: orderingPhases },
};

function pluginProperties(config: FieldSchema, protocols: FieldSchema, consumer: FieldSchema): Record<string, FieldSchema> {
  return {
    ...baseProperties,
    name: { type: "string", minLength: 1 },
    instance_name: nameField,
    config,
    enabled: { type: "boolean", default: true },
    protocols,
    service: foreignField("services"),
    route: foreignField("routes"),
    consumer,
    consumer_group: { type: "null", foreign: "consumer_groups" }, // `foreign` only tells /schemas what it would reference
    ordering: orderingField,
  };
}

/** The schema of a plugin entity whose `name` is not (yet) known: enough to report the name. */
export const genericPluginSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "name"],
  properties: pluginProperties(
    { type: "object" },
    { type: "array", kongType: "set", items: { type: "string", enum: allProtocols } },
    foreignField("consumers"),
  ),
};

const schemas = new WeakMap<PluginDefinition, RecordSchema>();

/** The full entity schema of one plugin: its config schema plugged into the plugin entity. */
export function pluginEntitySchema(def: PluginDefinition): RecordSchema {
  let schema = schemas.get(def);
  if (!schema) {
    schema = {
      type: "object",
      additionalProperties: false,
      required: ["id", "name", "config"],
      properties: pluginProperties(
        { ...def.configSchema, default: {} },
        {
          type: "array",
          kongType: "set",
          minItems: 1,
          items: { type: "string", enum: [...def.protocols.allowed] },
          default: [...def.protocols.default],
        },
        def.consumerScopable ? foreignField("consumers") : { type: "null", foreign: "consumers", message: "value must be null" },
      ),
    };
    schemas.set(def, schema);
  }
  return schema;
}

export function unknownPluginErrors(name: unknown): FieldErrors {
  return { name: `plugin '${String(name)}' not enabled; add it to the 'plugins' configuration property` };
}

/** Entity checks that need the plugin's own logic. */
export function checkPlugin(def: PluginDefinition, plugin: PluginInstance): FieldErrors | undefined {
  const message = def.checkConfig?.(plugin.config as never);
  return message ? { config: message } : undefined;
}

/** Kong's plugin cache key: one instance per plugin name and scope. */
export function pluginScopeKey(plugin: Pick<PluginInstance, "name" | "service" | "route" | "consumer">): Record<string, unknown> {
  return { consumer: plugin.consumer, name: plugin.name, route: plugin.route, service: plugin.service };
}
