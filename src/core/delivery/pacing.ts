// Broadcast pacing: every platform request of the delivery path waits here for a slot within the bot token's budget.
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
 * One granted request. Its windows are counted from `done()`, when the platform's answer arrived (or the request
 * failed): the platform counts arrivals, and every arrival is before its answer, so a window counted from the answer
 * always covers the platform's. A slot used for nothing is given back with `cancel()`.
 */
export interface Slot {
  /** The request is over (answered, failed or aborted). Idempotent. */
  done(): void;
  /** Nothing was sent on this slot: it counts for nothing. No effect after `done()`. */
  cancel(): void;
}

/**
 * Hands out request slots. `acquire` resolves a {@link Slot} when this operation's request may go out now, or
 * `false` when `signal` aborted the wait (then nothing was taken). `acquireFollowUp` is for a further request of an
 * operation already under way (Discord's channel read and crosspost after a post, the unpin after a pin): the
 * platform's budget only, served before new operations so an operation under way finishes first. `penalize` pushes a
 * target (or, with no target, the whole platform) back after the platform answered 429.
 *
 * The interface is async and keyed by (platform, target) only, so a multi-instance version could keep the slots in
 * the shared database without any caller changing.
 *
 * @example
 * const pacer = createPacer();
 * const slot = await pacer.acquire("telegram", "-100123", signal);
 * if (!slot) return "stopped";
 * try { await publisher.send(…); } finally { slot.done(); }
 */
export interface Pacer {
  acquire(platform: Platform, targetId: string, signal: AbortSignal): Promise<Slot | false>;
  acquireFollowUp(platform: Platform, signal: AbortSignal): Promise<Slot | false>;
  penalize(platform: Platform, targetId: string | undefined, delayMs: number): void;
  /**
   * Requests of the last `ms` to each target that has a limit longer than a second (Telegram's groups): ages in ms
   * (0 = now), for a sender lease's next holder ({@link Pacer.absorb}).
   */
  recent?(platform: Platform, ms: number): Record<string, number[]>;
  /** Counts requests another process made (ages in ms before now, per target) in this pacer's windows. */
  absorb?(platform: Platform, recent: Record<string, readonly number[]>): void;
  /**
   * Operations queued for the platform's budget now (their targets' own limits passed): each is granted within one
   * pacing interval, and claims its part then (the ledger commits a finished send's mark with that claim).
   */
  waiting?(platform: Platform): number;
}

export interface PacerOptions {
  /** Per platform; default {@link PLATFORM_LIMITS}. Platforms not listed (console) are not paced. */
  limits?: Partial<Record<Platform, PlatformLimits>>;
  /** A monotonic clock in ms; default `performance.now()` (a wall clock set back by NTP would reopen a window). */
  now?: () => number;
}

/** Requests of one key (a platform's budget or one target's). */
interface SlotLog {
  /** Slots granted whose request is not over yet: they count in every window until they are. */
  open: number;
  /** When recent requests ended (`done`), ascending; only as many as the largest limit's count are kept. */
  ended: number[];
  /** Not before this (after a 429). */
  notBefore: number;
  /** Called when a slot of this log ends or is given back (waiters look again). */
  wake: (() => void)[];
}

/**
 * How much faster than the even spacing grants may go while making up for late timers: 2× recovers a few ms of
 * lateness per timer within the next grant or two, never a burst.
 */
export const CATCH_UP = 2;
/** Lateness made up at most: this share of the window (beyond it, e.g. after a long stall, it is forgotten). */
const MAX_DEBT_SHARE = 0.1;

/** One platform's queue: follow-ups first, then new operations, each in order. */
interface PlatformQueue {
  log: SlotLog;
  /** When the next grant is due on the even schedule window / count apart (kept from where it was: lateness is made up). */
  due: number;
  lastGrant: number | undefined;
  followUps: Waiter[];
  waiting: Waiter[];
  timer: NodeJS.Timeout | undefined;
}
interface Waiter {
  resolve: (granted: boolean) => void;
  signal: AbortSignal;
}

const newLog = (): SlotLog => ({ open: 0, ended: [], notBefore: 0, wake: [] });

/** The earliest time `log` allows one more request under `limits`; Infinity while it waits for an open slot to end. */
function earliest(log: SlotLog, limits: readonly RateLimit[]): number {
  let at = log.notBefore;
  for (const limit of limits) {
    const room = limit.count - log.open;
    if (room <= 0) return Number.POSITIVE_INFINITY;
    // Fewer than `room` requests may have ended within the window before the new one leaves.
    const older = log.ended[log.ended.length - room];
    if (older !== undefined) at = Math.max(at, older + limit.windowMs);
  }
  return at;
}

function end(log: SlotLog, t: number, keep: number) {
  log.open--;
  let i = log.ended.length;
  while (i > 0 && log.ended[i - 1]! > t) i--;
  log.ended.splice(i, 0, t);
  if (log.ended.length > keep) log.ended.splice(0, log.ended.length - keep);
  wakeUp(log);
}
function wakeUp(log: SlotLog) {
  const wake = log.wake.splice(0);
  for (const w of wake) w();
}

/**
 * The in-process pacer: one per engine, shared by every target of every run, so the running bot and
 * `digest-bot deliver` pace alike (and with several instances only the holder of the platform's sender lease,
 * sender-lease.ts, spends its budget). A target waits first for its own limits (and takes its place there at once,
 * so two topics of one chat never both pass), then queues for the platform's budget: follow-ups first, then first
 * come, first served, on an even schedule window / count apart. Every window is counted from the end of a request
 * (its answer), and a request not yet answered counts in every window, so whatever the timers, the event loop or the
 * network do, the platform never sees more than `count` arrivals in a window. The schedule is kept from where it
 * was, not restarted from a late grant, so a late timer costs no throughput. A slow or failing target waits on its
 * own and never holds a ready one.
 */
export function createPacer(options: PacerOptions = {}): Pacer {
  const limits: Partial<Record<Platform, PlatformLimits>> = options.limits ?? PLATFORM_LIMITS;
  const now = options.now ?? (() => performance.now());
  const queues = new Map<Platform, PlatformQueue>();
  const targets = new Map<string, SlotLog>();
  const targetLog = (key: string) => {
    let log = targets.get(key);
    if (!log) {
      log = newLog();
      targets.set(key, log);
    }
    return log;
  };
  const queueOf = (platform: Platform) => {
    let q = queues.get(platform);
    if (!q) {
      q = { log: newLog(), due: 0, lastGrant: undefined, followUps: [], waiting: [], timer: undefined };
      q.log.wake.push(function again() {
        // The queue listens for good: every end of a platform slot may let the next waiter go.
        q!.log.wake.push(again);
        pump(platform);
      });
      queues.set(platform, q);
    }
    return q;
  };
  const keyOf = (platform: Platform, targetId: string) => `${platform}\u0000${limits[platform]?.budgetOf?.(targetId) ?? targetId}`;
  const maxCount = (ls: readonly RateLimit[]) => Math.max(1, ...ls.map((l) => l.count));

  function pump(platform: Platform) {
    const g = limits[platform]?.global;
    if (!g) return;
    const q = queueOf(platform);
    if (q.timer) {
      clearTimeout(q.timer);
      q.timer = undefined;
    }
    for (;;) {
      for (const list of [q.followUps, q.waiting]) while (list.length > 0 && list[0]!.signal.aborted) list.shift()!.resolve(false);
      const next = q.followUps[0] ?? q.waiting[0];
      if (!next) return;
      const spacing = g.windowMs / g.count;
      const t = now();
      // Due on the schedule, within every window (the log), and a catch-up never a burst.
      const at = Math.max(q.due, earliest(q.log, [g]), q.lastGrant === undefined ? 0 : q.lastGrant + spacing / CATCH_UP);
      if (at === Number.POSITIVE_INFINITY) return; // An ending slot pumps again.
      if (at > t) {
        q.timer = setTimeout(() => {
          q.timer = undefined;
          pump(platform);
        }, delayTo(at, t));
        return;
      }
      q.log.open++;
      q.lastGrant = t;
      // The next one is due a spacing after this one was due: lateness is made up, up to a bound.
      q.due = Math.max(q.due, t - g.windowMs * MAX_DEBT_SHARE, q.log.notBefore) + spacing;
      (q.followUps[0] === next ? q.followUps : q.waiting).shift();
      next.resolve(true);
    }
  }

  /** Waits in the platform's queue; true when a platform slot was granted (already counted open). */
  function queueFor(platform: Platform, signal: AbortSignal, followUp: boolean): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    const q = queueOf(platform);
    // An idle platform starts its schedule now: time nobody was waiting is no debt to make up.
    if (q.waiting.length === 0 && q.followUps.length === 0 && !q.timer) q.due = Math.max(q.due, now());
    return new Promise<boolean>((resolve) => {
      const entry: Waiter = { resolve, signal };
      (followUp ? q.followUps : q.waiting).push(entry);
      signal.addEventListener(
        "abort",
        () => {
          for (const list of [q.followUps, q.waiting]) {
            const i = list.indexOf(entry);
            if (i >= 0) {
              list.splice(i, 1);
              resolve(false);
            }
          }
        },
        { once: true },
      );
      pump(platform);
    });
  }

  /** A slot over the given logs: each already counts it open. */
  function slotOver(platform: Platform, logs: { log: SlotLog; keep: number }[]): Slot {
    let over = false;
    const finish = (counted: boolean) => {
      if (over) return;
      over = true;
      const t = now();
      for (const { log, keep } of logs) {
        if (counted) end(log, t, keep);
        else {
          log.open--;
          wakeUp(log);
        }
      }
      if (!counted) pump(platform);
    };
    return { done: () => finish(true), cancel: () => finish(false) };
  }

  /** Waits until `log` allows one more under `own`, then counts it open; false when aborted. */
  async function takeTarget(log: SlotLog, own: RateLimit[], signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      const at = earliest(log, own);
      if (at <= now()) {
        log.open++;
        return true;
      }
      if (!(await sleepUntil(at, now, signal, log))) return false;
    }
  }

  return {
    async acquire(platform, targetId, signal) {
      const platformLimits = limits[platform];
      if (!platformLimits) return signal.aborted ? false : { done: () => undefined, cancel: () => undefined };
      const target = targetLog(keyOf(platform, targetId));
      const own = platformLimits.target(targetId);
      if (!(await takeTarget(target, own, signal))) return false;
      if (!(await queueFor(platform, signal, false))) {
        target.open--;
        wakeUp(target);
        return false;
      }
      return slotOver(platform, [
        { log: target, keep: maxCount(own) },
        { log: queueOf(platform).log, keep: platformLimits.global.count },
      ]);
    },
    async acquireFollowUp(platform, signal) {
      const platformLimits = limits[platform];
      if (!platformLimits) return signal.aborted ? false : { done: () => undefined, cancel: () => undefined };
      if (!(await queueFor(platform, signal, true))) return false;
      return slotOver(platform, [{ log: queueOf(platform).log, keep: platformLimits.global.count }]);
    },
    penalize(platform, targetId, delayMs) {
      const until = now() + delayMs;
      const log = targetId === undefined ? queueOf(platform).log : targetLog(keyOf(platform, targetId));
      log.notBefore = Math.max(log.notBefore, until);
      wakeUp(log);
    },
    recent(platform, ms) {
      const t = now();
      const out: Record<string, number[]> = {};
      const prefix = `${platform}\u0000`;
      for (const [key, log] of targets) {
        if (!key.startsWith(prefix)) continue;
        const id = key.slice(prefix.length);
        if (!(limits[platform]?.target(id) ?? []).some((l) => l.windowMs > 1000)) continue;
        // A request still open counts as ending now (the next holder waits out the handover for those anyway).
        const ages = [...log.ended.filter((e) => t - e < ms).map((e) => Math.max(0, Math.round(t - e))), ...Array<number>(log.open).fill(0)];
        if (ages.length > 0) out[id] = ages;
      }
      return out;
    },
    waiting: (platform) => queues.get(platform)?.waiting.filter((w) => !w.signal.aborted).length ?? 0,
    absorb(platform, recent) {
      const platformLimits = limits[platform];
      if (!platformLimits) return;
      const t = now();
      for (const [id, ages] of Object.entries(recent)) {
        const log = targetLog(keyOf(platform, id));
        const keep = maxCount(platformLimits.target(id));
        for (const age of ages) {
          log.open++;
          end(log, t - Math.max(0, age), keep);
        }
      }
    },
  };
}

/** Whole ms to wait from `t` until `at` (a timer set to a fraction of a ms could fire before the clock reaches it). */
const delayTo = (at: number, t: number) => Math.max(1, Math.ceil(at - t));

/** Resolves true at `at` (or when `log` changes), or false as soon as `signal` aborts. */
function sleepUntil(at: number, now: () => number, signal: AbortSignal, log: SlotLog): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      const i = log.wake.indexOf(onWake);
      if (i >= 0) log.wake.splice(i, 1);
      resolve(value);
    };
    const onAbort = () => finish(false);
    const onWake = () => finish(true);
    if (at !== Number.POSITIVE_INFINITY) timer = setTimeout(onWake, delayTo(at, now()));
    log.wake.push(onWake);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
