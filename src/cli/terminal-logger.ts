// The logger of terminal commands: JSON lines on stderr (stdout stays the output), tokens scrubbed.
import type { Config } from "../core/config.js";
import { createLogger, type Logger } from "../core/logger.js";

/** At the default `info` level terminal commands show only warnings and errors; `debug` shows everything. */
export function createTerminalLogger(config: Config, level: string = config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL): Logger {
  return createLogger({
    level,
    pretty: false,
    secrets: [config.DISCORD_TOKEN ?? "", config.TELEGRAM_BOT_TOKEN ?? ""],
    destination: process.stderr,
  });
}
