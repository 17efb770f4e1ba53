// What every benchmark script shares: the load average as it prints it, and running its main (a failure: the stack on stderr, exit code 1).
import os from "node:os";

/** The 1, 5 and 15 minute load averages, one decimal each: `"7.9 8.3 6.5"`. */
export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(1)).join(" ");

/**
 * Runs a benchmark's `main`; a throw prints its stack and sets exit code 1 (after the script's own `finally`).
 *
 * @example
 * runBench(main);
 */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
