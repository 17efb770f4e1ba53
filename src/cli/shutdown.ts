// Clean stops: the first SIGINT/SIGTERM runs the graceful stop and exits 0; a second signal exits at once.
import type { Logger } from "../core/logger.js";

/** Exit code when a second signal cuts the graceful stop short (128 + SIGINT). */
export const FORCED_EXIT_CODE = 130;

export interface ShutdownOptions {
  logger?: Logger;
  /** Injected in tests; default `process.exit`. */
  exit?: (code: number) => void;
  /** Injected in tests; default `process`. */
  signals?: NodeJS.EventEmitter;
}

/** The signal handling of one command, installed before anything else runs. */
export interface Shutdown {
  /** Aborted at the first signal: start-up steps in progress (login, getMe) give up. */
  readonly signal: AbortSignal;
  /** True once a signal (or {@link shutdown}) asked to stop. */
  readonly stopping: boolean;
  /** Sets what the graceful stop runs; start-up replaces it as it opens more (app, adapters). */
  onStop(stop: () => Promise<void>): void;
  /** Sets the logger once there is one (signals may arrive before the config is read). */
  setLogger(logger: Logger): void;
  /** Runs the graceful stop once, then exits 0 (1 when the stop failed). */
  shutdown(reason: string): Promise<void>;
}

/**
 * Installs SIGINT/SIGTERM handlers at once — call it on the first line of a long-running command, so a signal
 * during loading, catch-up or resume stops cleanly instead of killing the process by the default disposition.
 *
 * @example
 * const life = installShutdown();
 * const app = await createApp({ config, logger });
 * life.onStop(() => app.close());
 */
export function installShutdown(options: ShutdownOptions = {}): Shutdown {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? process;
  const controller = new AbortController();
  let logger = options.logger;
  let stop: () => Promise<void> = async () => undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    controller.abort(new Error(`stopping: ${reason}`));
    logger?.info({ reason }, "stopping");
    stopping = stop().then(
        () => {
          logger?.info("stopped cleanly");
          exit(0);
        },
        (err: unknown) => {
          logger?.error({ err }, "error while stopping");
          exit(1);
        },
      );
    return stopping;
  };

  for (const name of ["SIGINT", "SIGTERM"] as const) {
    signals.on(name, () => {
      if (stopping) {
        logger?.warn({ signal: name }, "second signal: exiting now");
        exit(FORCED_EXIT_CODE);
        return;
      }
      void shutdown(name);
    });
  }
  return {
    signal: controller.signal,
    get stopping() {
      return stopping !== undefined;
    },
    onStop(fn) {
      stop = fn;
    },
    setLogger(l) {
      logger = l;
    },
    shutdown,
  };
}

/**
 * Installs the signal handlers with a fixed stop and returns a function that runs the same graceful stop (e.g. on
 * stdin end).
 *
 * @example
 * const shutdown = handleShutdownSignals({ logger, stop: () => app.close() });
 * rl.on("close", () => void shutdown("stdin closed"));
 */
export function handleShutdownSignals(options: ShutdownOptions & { stop: () => Promise<void> }): (reason: string) => Promise<void> {
  const life = installShutdown(options);
  life.onStop(options.stop);
  return life.shutdown;
}
