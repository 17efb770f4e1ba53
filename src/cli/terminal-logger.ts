// The logger of terminal commands: on stderr (stdout stays the output), readable on a terminal, JSON otherwise.
import type { Config } from "../core/config.js";
import { createLogger, type Logger } from "../core/logger.js";

/** At the default `info` level terminal commands show only warnings and errors; `debug` shows everything. */
export function createTerminalLogger(config: Config, level: string = config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL): Logger {
  const secrets = [config.DISCORD_TOKEN ?? "", config.TELEGRAM_BOT_TOKEN ?? ""];
  if (process.stderr.isTTY === true) return createLogger({ level, secrets, pretty: true, prettyFd: 2 });
  return createLogger({ level, secrets, pretty: false, destination: process.stderr });
}
