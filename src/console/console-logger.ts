// The console's logger on a terminal: readable lines that the REPL prints above the prompt instead of over it.
import { Writable } from "node:stream";
import pretty from "pino-pretty";
import type { Config } from "../core/config.js";
import { createLogger, type Logger } from "../core/logger.js";

export interface ConsoleLogger {
  logger: Logger;
  /** Sends log lines to `write` (the REPL's print-above), or back to stderr with undefined. */
  redirect(write: ((text: string) => void) | undefined): void;
}

/**
 * A pretty logger written in-process (no transport thread), so each line can go through the REPL.
 * At the default `info` level the console shows only warnings and errors, like the other terminal commands.
 *
 * @example
 * const { logger, redirect } = createConsoleLogger(config);
 * redirect((text) => repl.printAbove(text));
 */
export function createConsoleLogger(config: Config): ConsoleLogger {
  let sink: ((text: string) => void) | undefined;
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = String(chunk);
      if (sink) sink(text.replace(/\n$/, ""));
      else process.stderr.write(text);
      callback();
    },
  });
  const stream = pretty({ colorize: true, translateTime: "SYS:HH:MM:ss", destination: out, sync: true });
  const level = config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL;
  const secrets = [config.DISCORD_TOKEN ?? "", config.TELEGRAM_BOT_TOKEN ?? ""];
  return { logger: createLogger({ level, secrets, pretty: false, destination: stream }), redirect: (write) => void (sink = write) };
}
