import type { FieldErrors } from "../errors/kong-error.ts";
import type { RecordSchema } from "../schema/types.ts";
import { baseProperties } from "./common.ts";
import type { Consumer } from "./types.ts";

export const consumerSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: {
    ...baseProperties,
    username: { type: ["string", "null"], minLength: 1 },
    custom_id: { type: ["string", "null"], minLength: 1 },
  },
};

export function checkConsumer(consumer: Consumer): FieldErrors | undefined {
  if (consumer.username === null && consumer.custom_id === null)
    return { "@entity": ["at least one of these fields must be non-empty: 'custom_id', 'username'"] };
  return undefined;
}
