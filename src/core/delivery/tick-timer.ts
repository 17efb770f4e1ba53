// The minute timer that drives delivery ticks, with node-cron's own messages sent to the bot's logger.
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../logger.js";

/** How often production checks what is due; due-ness itself comes from each target's cron and time zone. */
export const TICK_CRON = "* * * * *";

/**
 * node-cron's logger shape. Without one it writes coloured `[NODE-CRON] [WARN]` lines with `console.warn`, which
 * break the JSON log every operator tool reads (and its overlap warning fires every minute of a long broadcast).
 */
interface CronLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error, err?: Error): void;
  debug(message: string | Error, err?: Error): void;
}

/** node-cron's messages as pino lines under `module: "cron"`. */
export function toCronLogger(logger: Logger): CronLogger {
  const log = logger.child({ module: "cron" });
  return {
    info: (message) => log.info(message),
    warn: (message) => {
      // A tick that outlasts its minute (a broadcast to many targets) is normal: the running tick already covers
      // this minute's slots, so the skipped one loses nothing.
      if (message.includes("overlap")) log.debug("a delivery tick is still running; this minute's tick is skipped");
      else log.warn(message);
    },
    error: (message, err) =>
      message instanceof Error ? log.error({ err: message }, "cron task failed") : log.error({ err }, message),
    debug: (message, err) =>
      message instanceof Error ? log.debug({ err: message }, "cron") : log.debug({ err }, message),
  };
}

/**
 * Runs `tick` on `expression` (default every minute), never two at once, logging through `logger`.
 *
 * @example
 * const task = scheduleTicks(() => engine.tick(), logger);
 * await task.destroy(); // at stop
 */
export function scheduleTicks(tick: () => unknown, logger: Logger, expression = TICK_CRON): ScheduledTask {
  return cron.schedule(expression, () => tick(), {
    name: "digest-bot-delivery",
    noOverlap: true,
    logger: toCronLogger(logger),
  });
}
