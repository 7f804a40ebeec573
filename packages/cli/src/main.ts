import { configCommand } from "./commands/config.ts";
import { explainCommand } from "./commands/explain.ts";
import { migrations } from "./commands/migrations.ts";
import { start } from "./commands/start.ts";
import { ConfigError } from "./config/listen.ts";
import { loadConfig, type TetherConfig } from "./config/load.ts";
import { createLogger } from "./logger.ts";
import { StartError } from "./node/start-error.ts";

const USAGE = `usage: tether <command>

  start [--workers N]   run the Admin API and the proxy (N proxy worker processes)
  migrations up|list    apply or list store migrations
  config db_export [FILE] | db_import FILE | parse FILE
                        write, load or check a declarative configuration (Kong's format)
  explain --route R --token T|@FILE [--cert FILE.pem] [--dpop PROOF] [--admin URL]
                        why a route's plugins would refuse (or pass) this token

Configuration: TETHER_* environment variables or tether.conf (Kong's property names).`;

/** `--workers N` overrides the `workers` property (TETHER_WORKERS). */
function withStartFlags(config: TetherConfig, args: string[]): TetherConfig {
  const i = args.indexOf("--workers");
  if (i === -1) return config;
  const workers = Number(args[i + 1]);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new ConfigError(`workers: --workers expects an integer between 1 and 64, got '${args[i + 1] ?? ""}'`);
  return { ...config, workers };
}

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
      await start(withStartFlags(config, rest), log);
      return -1; // keeps running
    case "migrations":
      return migrations(config, rest[0], (line) => console.log(line), log);
    case "config":
      return configCommand(config, rest, { out: (line) => console.log(line), err: (line) => console.error(line) });
    case "explain":
      return explainCommand(config, rest, { out: (line) => console.log(line), err: (line) => console.error(line) });
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
    else if (error instanceof StartError) console.error(`tether: ${error.message}`);
    else console.error(`tether: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
