// Per-chat ordering of Telegram updates: chats are answered concurrently, each chat's updates one after another.

/** Jobs keyed by chat: a job starts once every earlier job of its key has finished. */
export interface ChatQueues {
  /** Queues `work` behind the earlier jobs of `key` and returns at once. */
  push(key: string, work: () => Promise<void>): void;
  /** Resolves when every job queued so far has finished. */
  idle(): Promise<void>;
  /** Jobs queued or running. */
  readonly size: number;
}

/**
 * Creates the queues; `onError` gets what a job threw (jobs after it in the same chat still run).
 *
 * @example
 * const queues = createChatQueues((err) => logger.error({ err }, "update failed"));
 * bot.use((ctx, next) => queues.push(String(ctx.chat?.id ?? ctx.from?.id), () => next()));
 */
export function createChatQueues(onError: (err: unknown) => void): ChatQueues {
  const tails = new Map<string, Promise<void>>();
  const jobs = new Set<Promise<void>>();
  return {
    push(key, work) {
      const before = tails.get(key) ?? Promise.resolve();
      const job: Promise<void> = before
        .then(work)
        .catch(onError)
        .finally(() => {
          jobs.delete(job);
          if (tails.get(key) === job) tails.delete(key);
        });
      tails.set(key, job);
      jobs.add(job);
    },
    async idle() {
      while (jobs.size > 0) await Promise.allSettled([...jobs]);
    },
    get size() {
      return jobs.size;
    },
  };
}
