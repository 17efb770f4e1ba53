// `digest-bot console`: the local console (the embedded default of `npm start` when no token is set).
import { loadConfig, type Config } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import { installShutdown, type Shutdown } from "./shutdown.js";
import { createTerminalLogger } from "./terminal-logger.js";

/**
 * Builds the app, runs the console on stdin/stdout until stdin ends, Ctrl+C on an empty line, or a signal,
 * then closes everything. `src/cli/start.ts` calls this when no token is set.
 *
 * @example
 * process.exitCode = await startConsole({ config, logger });
 */
export async function startConsole(options: {
  config: Config;
  logger: Logger;
  life?: Shutdown;
  redirectLogs?: (write: ((text: string) => void) | undefined) => void;
}): Promise<number> {
  const life = options.life ?? installShutdown();
  life.setLogger(options.logger);
  const { createApp } = await import("../app.js");
  const { runConsole } = await import("../console/run-console.js");
  const opening = createApp({ config: options.config, logger: options.logger, signal: life.signal });
  let quit: (() => void) | undefined;
  life.onStop(async () => {
    const app = await opening.catch(() => undefined);
    quit?.();
    await app?.close();
  });
  const app = await opening;
  if (life.stopping) return 0;
  await runConsole({ app, onReady: (stop) => (quit = stop), ...(options.redirectLogs ? { redirectLogs: options.redirectLogs } : {}) });
  await life.shutdown("console closed");
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const life = installShutdown();
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write("Usage: digest-bot console\n\nReads commands such as /story sonnet from stdin and prints the replies; /help lists them.\n");
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`digest-bot console: unexpected argument "${args[0]}"; it takes none (type commands once it runs)\n`);
    return 2;
  }
  const config = loadConfig();
  return startConsole({ config, life, ...(await consoleLogger(config)) });
}

/** On a terminal, logs go through the REPL (above the prompt); otherwise the plain terminal logger on stderr. */
export async function consoleLogger(config: Config): Promise<{ logger: Logger; redirectLogs?: (write: ((text: string) => void) | undefined) => void }> {
  if (process.stdin.isTTY === true && process.stdout.isTTY === true && process.stderr.isTTY === true) {
    const { createConsoleLogger } = await import("../console/console-logger.js");
    const { logger, redirect } = createConsoleLogger(config);
    return { logger, redirectLogs: redirect };
  }
  return { logger: createTerminalLogger(config) };
}
