import { logPlugin } from "../logging/definition.ts";
import { entryJson } from "../logging/entry-json.ts";
import { fileAppender } from "../logging/file-appender.ts";
import { checkConfig, configSchema, type FileLogConfig } from "./schema.ts";

/**
 * Kong's file-log: one line of `JSON(kong.log.serialize())` per request, appended to
 * `config.path` (created 0644). The log phase only queues the line; the append happens in the
 * background, in order, with a bounded buffer (logging/file-appender.ts). Priority 9.
 */
export const fileLog = logPlugin<FileLogConfig>({
  name: "file-log",
  priority: 9,
  configSchema,
  checkConfig,
  createHandler(config, env) {
    const appender = fileAppender(config.path, { reopen: config.reopen, log: env.log, name: "file-log" });
    return {
      log(entry) {
        appender.write(`${entryJson(entry)}\n`);
      },
    };
  },
});
