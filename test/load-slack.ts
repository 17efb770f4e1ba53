// How much longer than on a quiet machine a wait may take here: the load average over the cores, 1 to 5.
//
// A timeout is a guard against a hang, not an assertion: on a shared 2-core machine at load 15–30 a child process
// takes 10–20× longer to start, and a fixed guard failed tests whose behaviour was right. Quiet, it stays as it was,
// so a real hang still fails fast.
import os from "node:os";

export const LOAD_SLACK = Math.min(5, Math.max(1, os.loadavg()[0]! / os.availableParallelism()));

/** `ms` stretched for the machine's load, for guards (waits and timeouts), never for timed assertions. */
export const guardMs = (ms: number): number => Math.round(ms * LOAD_SLACK);

/**
 * `work`'s result, or a failure naming `what` once it has not settled after `guardMs(ms)`: for a wait that must end
 * (a stop that must not wait out a hung request or a long backoff), not for how fast it ends.
 */
export async function settled<T>(what: string, work: Promise<T>, ms = 10_000): Promise<T> {
  const limit = guardMs(ms);
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${limit} ms`)), limit);
  });
  try {
    return await Promise.race([work, guard]);
  } finally {
    clearTimeout(timer);
  }
}
