/**
 * Config schema of Kong's `file-log` plugin (kong/plugins/file-log/schema.lua), as pure data.
 * `path` must look like a file name: no blank at either end, none of `* & % \ `` anywhere, and
 * at least two characters (Kong's Lua pattern, rendered as a regular expression).
 */
import type { RecordSchema } from "@tether/core";
import { customFieldsByLua, luaCodeRefused } from "../logging/lua-code.ts";

export const configSchema: RecordSchema = {
  type: "object",
  additionalProperties: false,
  required: ["path", "reopen"],
  properties: {
    path: {
      type: "string",
      pattern: "^[^\\s*&%\\\\`][^*&%\\\\`]*[^\\s*&%\\\\`]$",
      message: "not a valid filename",
      description: "The file path of the output log file. The plugin creates the log file if it doesn't exist yet.",
    },
    reopen: {
      type: "boolean",
      default: false,
      description: "Determines whether the log file is closed and reopened on every request.",
    },
    custom_fields_by_lua: customFieldsByLua,
  },
};

export interface FileLogConfig {
  path: string;
  reopen: boolean;
  custom_fields_by_lua?: Record<string, string> | null;
}

export function checkConfig(config: FileLogConfig): ReturnType<typeof luaCodeRefused> {
  return luaCodeRefused(config.custom_fields_by_lua);
}
