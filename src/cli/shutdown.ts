// Clean stops: the first SIGINT/SIGTERM runs the graceful stop and exits 0; a second signal exits at once.
import type { Logger } from "../core/logger.js";

/** Exit code when a second signal cuts the graceful stop short (128 + SIGINT). */
export const FORCED_EXIT_CODE = 130;

export interface ShutdownOptions {
  logger: Logger;
  /** Stops taking work, finishes or checkpoints the message in flight, closes the database. */
  stop: () => Promise<void>;
  /** Injected in tests; default `process.exit`. */
  exit?: (code: number) => void;
  /** Injected in tests; default `process`. */
  signals?: NodeJS.EventEmitter;
}

/**
 * Installs the signal handlers and returns a function that runs the same graceful stop (e.g. on stdin end).
 *
 * @example
 * const shutdown = handleShutdownSignals({ logger, stop: () => app.close() });
 * rl.on("close", () => void shutdown("stdin closed"));
 */
export function handleShutdownSignals(options: ShutdownOptions): (reason: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? process;
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    options.logger.info({ reason }, "stopping");
    stopping = options.stop().then(
      () => {
        options.logger.info("stopped cleanly");
        exit(0);
      },
      (err: unknown) => {
        options.logger.error({ err }, "error while stopping");
        exit(1);
      },
    );
    return stopping;
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    signals.on(signal, () => {
      if (stopping) {
        options.logger.warn({ signal }, "second signal: exiting now");
        exit(FORCED_EXIT_CODE);
        return;
      }
      void shutdown(signal);
    });
  }
  return shutdown;
}
