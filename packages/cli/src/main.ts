import { migrations } from "./commands/migrations.ts";
import { start } from "./commands/start.ts";
import { ConfigError } from "./config/listen.ts";
import { loadConfig } from "./config/load.ts";
import { createLogger } from "./logger.ts";

const USAGE = `usage: tether <command>

  start                 run the Admin API and the proxy
  migrations up|list    apply or list store migrations

Configuration: TETHER_* environment variables or tether.conf (Kong's property names).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger(config.log_level);
  switch (command) {
    case "start":
      await start(config, log);
      return -1; // keeps running
    case "migrations":
      return migrations(config, rest[0], (line) => console.log(line));
    default:
      console.error(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`tether: configuration error: ${error.message}`);
    else console.error(`tether: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
