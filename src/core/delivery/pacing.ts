// Broadcast pacing: every platform operation of the delivery path waits here for a slot within the bot token's budget.
import type { Platform } from "../reply.js";

/** Telegram: messages per second one bot may send overall (Bot API FAQ, "about 30"). */
export const TELEGRAM_MESSAGES_PER_SECOND = 30;
/** Telegram: messages per second to one chat. */
export const TELEGRAM_CHAT_MESSAGES_PER_SECOND = 1;
/** Telegram: messages per minute to one group or channel (ids starting with "-", or `@name`). */
export const TELEGRAM_GROUP_MESSAGES_PER_MINUTE = 20;
/** Discord: requests per second one bot may make overall (the global rate limit). */
export const DISCORD_REQUESTS_PER_SECOND = 50;
/** Discord: messages per channel per 5 s (the POST /channels/{id}/messages route bucket as Discord answers it). */
export const DISCORD_CHANNEL_MESSAGES_PER_5S = 5;
/**
 * Added to every window the pacer keeps. Requests leave some ms after their slot (event-loop lag, a ledger write)
 * and the platforms count arrivals: with 100 ms, arrivals would have to bunch up by more than that for a limit to
 * be exceeded. It costs 9 % of the budget (30 per 1.1 s = 27.3/s; Discord 50 per 1.1 s = 45.5/s).
 */
export const PACING_MARGIN_MS = 100;

/** One sliding-window limit: at most `count` operations in any `windowMs`. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/** The limits of one platform: the whole token's budget, and one target's (chosen per target id). */
export interface PlatformLimits {
  global: RateLimit;
  target: (targetId: string) => RateLimit[];
  /** Which budget a target draws from; default its own. Telegram's forum topics (`<chat>:<topic>`) share their chat's. */
  budgetOf?: (targetId: string) => string;
}

const isTelegramGroup = (targetId: string) => targetId.startsWith("-") || targetId.startsWith("@");

/** The platform budgets as documented by Telegram and Discord. */
export const PLATFORM_LIMITS: Record<"telegram" | "discord", PlatformLimits> = {
  telegram: {
    global: { count: TELEGRAM_MESSAGES_PER_SECOND, windowMs: 1000 },
    target: (id) => [
      { count: TELEGRAM_CHAT_MESSAGES_PER_SECOND, windowMs: 1000 },
      ...(isTelegramGroup(id) ? [{ count: TELEGRAM_GROUP_MESSAGES_PER_MINUTE, windowMs: 60_000 }] : []),
    ],
    // Telegram counts messages per chat, whichever topic they go to.
    budgetOf: (id) => id.replace(/:\d+$/, ""),
  },
  discord: {
    global: { count: DISCORD_REQUESTS_PER_SECOND, windowMs: 1000 },
    target: () => [{ count: DISCORD_CHANNEL_MESSAGES_PER_5S, windowMs: 5000 }],
  },
};

/**
 * Hands out send slots. `acquire` resolves `true` when this operation may go out now, or `false` when `signal`
 * aborted the wait (then nothing was taken). `penalize` pushes a target (or, with no target, the whole platform)
 * back after the platform answered 429.
 *
 * The interface is async and keyed by (platform, target) only, so a multi-instance version can keep the slots in
 * the shared database (one row per key with its next free time, taken with a conditional UPDATE) without any caller
 * changing.
 *
 * @example
 * const pacer = createPacer();
 * if (!(await pacer.acquire("telegram", "-100123", signal))) return "stopped";
 * await publisher.send(…);
 */
export interface Pacer {
  acquire(platform: Platform, targetId: string, signal: AbortSignal): Promise<boolean>;
  penalize(platform: Platform, targetId: string | undefined, delayMs: number): void;
}

export interface PacerOptions {
  /** Per platform; default {@link PLATFORM_LIMITS}. Platforms not listed (console) are not paced. */
  limits?: Partial<Record<Platform, PlatformLimits>>;
  /** Default {@link PACING_MARGIN_MS}. */
  marginMs?: number;
  now?: () => number;
}

/** Recent slots of one key (a platform's budget or one target), newest last. */
interface SlotLog {
  times: number[];
  /** Not before this (after a 429). */
  notBefore: number;
}

/**
 * One platform's queue: waiters served in order. `due` is when the next grant is due on the even schedule
 * (window + margin) / count apart; it advances by that spacing from where it was, not from when the previous grant
 * happened, so a timer that fired late is made up by the next grants (at most {@link CATCH_UP}× the rate, and
 * never more than `count` in any window + margin, counted in `log`).
 */
interface PlatformQueue {
  log: SlotLog;
  due: number;
  waiting: { resolve: (granted: boolean) => void; signal: AbortSignal }[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * How much faster than the even spacing grants may go while making up for late timers. Catching up in one burst
 * produced 429s on a loaded machine (the claims of a burst queue on the database, so arrivals bunch up); at 4× a
 * load average of 15 still saw a few 429s, 2× recovers a few ms of lateness per timer within the next grant or two.
 */
export const CATCH_UP = 2;
/** Lateness made up at most: this share of the window + margin (beyond it, e.g. after a long stall, it is forgotten). */
const MAX_DEBT_SHARE = 0.1;

/**
 * The in-process pacer: one per engine, shared by every target of every run, so the running bot and
 * `digest-bot deliver` pace alike (and with several instances only the holder of the platform's sender lease,
 * sender-lease.ts, spends its budget). A target waits first for its own limits, then queues for the platform's
 * budget: first come, first served, grants on an even schedule (window + margin) / count apart. The schedule is kept
 * from where it was, not restarted from a late grant, so a late timer costs no throughput; a sliding-window log of
 * the grants makes sure no window + margin ever holds more than `count`, whatever the timers do. A slow or failing
 * target waits on its own and never holds a ready one.
 */
export function createPacer(options: PacerOptions = {}): Pacer {
  const limits: Partial<Record<Platform, PlatformLimits>> = options.limits ?? PLATFORM_LIMITS;
  const margin = options.marginMs ?? PACING_MARGIN_MS;
  const now = options.now ?? (() => Date.now());
  const queues = new Map<Platform, PlatformQueue>();
  const targets = new Map<string, SlotLog>();
  const targetLog = (key: string) => {
    let log = targets.get(key);
    if (!log) {
      log = { times: [], notBefore: 0 };
      targets.set(key, log);
    }
    return log;
  };
  const queueOf = (platform: Platform) => {
    let q = queues.get(platform);
    if (!q) {
      q = { log: { times: [], notBefore: 0 }, due: 0, waiting: [], timer: undefined };
      queues.set(platform, q);
    }
    return q;
  };

  /** The earliest time `log` allows one more under `own` limits. */
  function earliest(log: SlotLog, own: RateLimit[]): number {
    let at = log.notBefore;
    for (const limit of own) {
      const older = log.times[log.times.length - limit.count];
      if (older !== undefined) at = Math.max(at, older + limit.windowMs + margin);
    }
    return at;
  }
  const remember = (log: SlotLog, t: number, own: RateLimit[]) => {
    log.times.push(t);
    const keep = Math.max(...own.map((l) => l.count));
    if (log.times.length > keep) log.times.splice(0, log.times.length - keep);
  };

  function pump(platform: Platform, q: PlatformQueue, g: RateLimit) {
    if (q.timer) return;
    while (q.waiting.length > 0 && q.waiting[0]!.signal.aborted) q.waiting.shift()!.resolve(false);
    if (q.waiting.length === 0) return;
    const spacing = (g.windowMs + margin) / g.count;
    const last = q.log.times.at(-1);
    const t = now();
    // Due on the schedule, never more than `count` per window + margin (the log), and a catch-up never a burst.
    const at = Math.max(q.due, earliest(q.log, [g]), last === undefined ? 0 : last + spacing / CATCH_UP);
    if (at > t) {
      q.timer = setTimeout(() => {
        q.timer = undefined;
        pump(platform, q, g);
      }, at - t);
      return;
    }
    remember(q.log, t, [g]);
    // The next one is due a spacing after this one was due: lateness is made up, up to a bound.
    q.due = Math.max(q.due, t - (g.windowMs + margin) * MAX_DEBT_SHARE, q.log.notBefore) + spacing;
    q.waiting.shift()!.resolve(true);
    pump(platform, q, g);
  }

  return {
    async acquire(platform, targetId, signal) {
      const platformLimits = limits[platform];
      if (!platformLimits) return !signal.aborted;
      const target = targetLog(`${platform}\u0000${platformLimits.budgetOf?.(targetId) ?? targetId}`);
      const own = platformLimits.target(targetId);
      if (!(await sleepUntil(earliest(target, own), now, signal))) return false;
      const q = queueOf(platform);
      // An idle platform starts its schedule now: time nobody was waiting is no debt to make up.
      if (q.waiting.length === 0 && !q.timer) q.due = Math.max(q.due, now());
      const granted = await new Promise<boolean>((resolve) => {
        const entry = { resolve, signal };
        q.waiting.push(entry);
        signal.addEventListener(
          "abort",
          () => {
            const i = q.waiting.indexOf(entry);
            if (i >= 0) {
              q.waiting.splice(i, 1);
              resolve(false);
            }
          },
          { once: true },
        );
        pump(platform, q, platformLimits.global);
      });
      if (granted) remember(target, now(), own);
      return granted;
    },
    penalize(platform, targetId, delayMs) {
      const until = now() + delayMs;
      const budget = targetId === undefined ? undefined : (limits[platform]?.budgetOf?.(targetId) ?? targetId);
      const log = budget === undefined ? queueOf(platform).log : targetLog(`${platform}\u0000${budget}`);
      log.notBefore = Math.max(log.notBefore, until);
    },
  };
}

/** Resolves true at `at`, or false as soon as `signal` aborts. */
function sleepUntil(at: number, now: () => number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const ms = at - now();
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
