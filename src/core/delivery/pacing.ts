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
 * Share of each budget the pacer hands out. Requests leave a few ms apart from when the slot was given, and the
 * platforms count arrivals: 5 % headroom keeps a broadcast at the limit without a single 429.
 */
export const PACING_HEADROOM = 0.95;

/** One sliding-window limit: at most `count` operations in any `windowMs`. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/** The limits of one platform: the whole token's budget, and one target's (chosen per target id). */
export interface PlatformLimits {
  global: RateLimit;
  target: (targetId: string) => RateLimit[];
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
  /** Default {@link PACING_HEADROOM}. */
  headroom?: number;
  now?: () => number;
}

/**
 * A target's recent slots: spaced evenly for the global budget (a queue handing out one slot every
 * windowMs / count), as a sliding window for one target (its parts go out one after another).
 */
interface TargetState {
  /** Times of the slots handed out, newest last, at most the largest window's count. */
  times: number[];
  /** Not before this (after a 429). */
  notBefore: number;
}

/**
 * The in-process pacer: one per engine, shared by every target of every run, so the running bot and
 * `digest-bot deliver` pace alike. A target waits first for its own limits, then queues for the global budget
 * (first come, first served), so a slow target never holds a ready one.
 */
export function createPacer(options: PacerOptions = {}): Pacer {
  const limits: Partial<Record<Platform, PlatformLimits>> = options.limits ?? PLATFORM_LIMITS;
  const headroom = options.headroom ?? PACING_HEADROOM;
  const now = options.now ?? Date.now;
  const nextGlobal = new Map<Platform, number>();
  const targets = new Map<string, TargetState>();

  const spacing = (limit: RateLimit) => limit.windowMs / (limit.count * headroom);

  /** When a target's own limits allow its next operation. */
  function targetReady(state: TargetState, own: RateLimit[]): number {
    let at = state.notBefore;
    for (const limit of own) {
      // At most `count` in any window: the next one waits until the count-th latest has left it.
      const older = state.times[state.times.length - limit.count];
      if (older !== undefined) at = Math.max(at, older + limit.windowMs / headroom);
    }
    return at;
  }

  return {
    async acquire(platform, targetId, signal) {
      const platformLimits = limits[platform];
      if (!platformLimits) return !signal.aborted;
      const key = `${platform}\u0000${targetId}`;
      let state = targets.get(key);
      if (!state) {
        state = { times: [], notBefore: 0 };
        targets.set(key, state);
      }
      const own = platformLimits.target(targetId);
      if (!(await sleepUntil(targetReady(state, own), now, signal))) return false;
      // The global queue: slots are handed out in order, each `spacing` after the previous one.
      const t = Math.max(now(), nextGlobal.get(platform) ?? 0);
      nextGlobal.set(platform, t + spacing(platformLimits.global));
      if (!(await sleepUntil(t, now, signal))) {
        // Give the slot back only if nobody queued behind it; otherwise it is just a gap.
        if (nextGlobal.get(platform) === t + spacing(platformLimits.global)) nextGlobal.set(platform, t);
        return false;
      }
      state.times.push(now());
      const keep = Math.max(...own.map((l) => l.count));
      if (state.times.length > keep) state.times.splice(0, state.times.length - keep);
      return true;
    },
    penalize(platform, targetId, delayMs) {
      const until = now() + delayMs;
      if (targetId === undefined) {
        nextGlobal.set(platform, Math.max(nextGlobal.get(platform) ?? 0, until));
        return;
      }
      const key = `${platform}\u0000${targetId}`;
      const state = targets.get(key) ?? { times: [], notBefore: 0 };
      state.notBefore = Math.max(state.notBefore, until);
      targets.set(key, state);
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
