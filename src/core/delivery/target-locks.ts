// One pin or unsubscribe at a time per target in this process: an unsubscribe waits for a header being pinned, so its unpin comes after the pin.
import type { Platform } from "../reply.js";

export interface TargetLocks {
  /**
   * Runs `job` once the jobs queued before it for the same target are done — or, with `waitMs`, once that long has
   * passed without them finishing (then it runs beside them: a hung platform request must not hold a command).
   */
  run<T>(target: { platform: Platform; targetId: string }, job: () => Promise<T>, waitMs?: number): Promise<T>;
}

/**
 * The locks of one engine (the pin step and the unsubscribe share them).
 *
 * @example
 * const locks = createTargetLocks();
 * await locks.run({ platform: "telegram", targetId: "-100123" }, () => publisher.pin(…));
 */
export function createTargetLocks(): TargetLocks {
  /** Per target, what a new job waits for: every job queued so far. Never rejects. */
  const tails = new Map<string, Promise<void>>();
  return {
    async run(target, job, waitMs) {
      const key = `${target.platform}\u0000${target.targetId}`;
      const before = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const tail = before.then(() => done);
      tails.set(key, tail);
      let timer: NodeJS.Timeout | undefined;
      try {
        if (waitMs === undefined) await before;
        else await Promise.race([before, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        return await job();
      } finally {
        if (timer) clearTimeout(timer);
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
  };
}
