// `digest-bot console`: the local console (the embedded default of `npm start` when no token is set).
import { createApp } from "../app.js";
import { loadConfig, type Config } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import { runConsole } from "../console/run-console.js";
import { handleShutdownSignals } from "./shutdown.js";
import { createTerminalLogger } from "./terminal-logger.js";

/**
 * Builds the app, runs the console on stdin/stdout until stdin ends or a signal arrives, then closes
 * everything. `src/cli/start.ts` calls this when no token is set.
 *
 * @example
 * process.exitCode = await startConsole({ config, logger });
 */
export async function startConsole(options: { config: Config; logger: Logger }): Promise<number> {
  const app = await createApp({ config: options.config, logger: options.logger });
  const shutdown = handleShutdownSignals({ logger: options.logger, stop: () => app.close() });
  await runConsole({ app });
  await shutdown("stdin closed");
  return 0;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write("Usage: digest-bot console\n\nReads commands such as /story sonnet from stdin and prints the replies; /help lists them.\n");
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`digest-bot console: unexpected argument "${args[0]}"; it takes none (type commands once it runs)\n`);
    return 2;
  }
  const config = loadConfig();
  return startConsole({ config, logger: createTerminalLogger(config) });
}
