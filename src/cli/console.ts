// `digest-bot console`: the local console (the embedded default of `npm start` when no token is set).
import { createApp } from "../app.js";
import { loadConfig, type Config } from "../core/config.js";
import { createLogger, type Logger } from "../core/logger.js";
import { runConsole } from "../console/run-console.js";
import { handleShutdownSignals } from "./shutdown.js";

/**
 * A logger for terminal modes (console, ask): JSON lines on stderr, so stdout stays the conversation. At the
 * default LOG_LEVEL (info) it logs warnings and errors only — the console prints what it loaded itself;
 * LOG_LEVEL=debug or trace shows everything.
 */
export function createTerminalLogger(config: Config, level: string = config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL): Logger {
  return createLogger({
    level,
    pretty: false,
    secrets: [config.DISCORD_TOKEN ?? "", config.TELEGRAM_BOT_TOKEN ?? ""],
    destination: process.stderr,
  });
}

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
