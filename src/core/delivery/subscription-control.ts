// The subscriptions side of the engine: subscribe, unsubscribe, per-target schedules and /status.
import type { Config } from "../config.js";
import type { DigestArchive } from "../digest/archive.js";
import type { Logger } from "../logger.js";
import type { Platform, TargetStatus } from "../reply.js";
import type { Storage, Subscription } from "../storage/types.js";
import type { Publisher } from "./publisher.js";
import type { DeliveryControl, TargetRef } from "./control.js";
import type { Schedule } from "./schedule.js";
import { PIN_PLATFORMS, PLATFORM_OPTIONS, type PostOptionsPatch } from "./effective-options.js";
import { MAX_KEYWORD_LENGTH, MAX_KEYWORDS, unsearchableKeywords } from "./keyword-filter.js";
import type { TargetLocks } from "./target-locks.js";
import { describeTarget, describeTargets } from "./target-status.js";

export interface SubscriptionControlDeps {
  storage: Storage;
  archive: DigestArchive;
  config: Config;
  logger: Logger;
  ready: Promise<void>;
  clock: () => Date;
  scheduleOf: (cron: string, timezone: string) => Schedule;
  scheduleFor: (sub: Subscription) => Schedule;
  /** Wraps a validation failure in the engine's error type. */
  refuse: (message: string, cause?: unknown) => Error;
  /** The platforms registered so far: unsubscribing unpins the header the bot pinned there. */
  publishers?: ReadonlyMap<Platform, Publisher>;
  /** Shared with the pin step (target-locks.ts): an unsubscribe waits for a header being pinned, then unpins it. */
  pinLocks?: TargetLocks;
}

/** How long an unsubscribe waits for the platform to unpin the header before it reports the unpin as failed. */
export const UNPIN_TIMEOUT_MS = 10_000;

export type SubscriptionControl = Pick<DeliveryControl, "subscribe" | "unsubscribe" | "status"> & {
  setSchedule(target: TargetRef, schedule: { cron?: string; timezone?: string }): Promise<void>;
  setOptions(target: TargetRef, patch: PostOptionsPatch): Promise<void>;
  targetStatus(target: TargetRef): Promise<TargetStatus | undefined>;
};

/** Why a patch cannot be stored for a target of `platform`, in the engine's words; undefined when it can. */
function patchProblem(platform: TargetRef["platform"], patch: PostOptionsPatch): string | undefined {
  for (const [name, only] of Object.entries(PLATFORM_OPTIONS)) {
    const value = patch[name as keyof PostOptionsPatch];
    if (value !== undefined && value !== null && only !== platform) return `${name} is a ${only} option; this target is on ${platform}`;
  }
  if (patch.pin && !PIN_PLATFORMS.includes(platform)) return `pin: the ${platform} cannot pin messages; it works on ${PIN_PLATFORMS.join(" and ")}`;
  if (patch.mode && !["channel", "thread", "forum"].includes(patch.mode)) return `mode must be channel, thread or forum; got ${JSON.stringify(patch.mode)}`;
  if (patch.pingRole && !/^\d{5,25}$/.test(patch.pingRole)) return `pingRole must be a numeric role id; got ${JSON.stringify(patch.pingRole)}`;
  const keywords = patch.keywords ?? [];
  if (keywords.length > MAX_KEYWORDS || keywords.some((k) => k.trim() === "" || Array.from(k).length > MAX_KEYWORD_LENGTH)) {
    return `keywords: use at most ${MAX_KEYWORDS}, each 1–${MAX_KEYWORD_LENGTH} characters`;
  }
  const [unsearchable] = unsearchableKeywords(keywords);
  if (unsearchable !== undefined) return `keywords: ${JSON.stringify(unsearchable)} has no word to search for and would never match a story`;
  return undefined;
}

/**
 * The engine's subscription API.
 *
 * @example
 * const control = createSubscriptionControl({ storage, archive, config, logger, ready, clock, scheduleOf, scheduleFor, refuse });
 * await control.subscribe({ platform: "telegram", id: "-100123" }, [0, 2]);
 */
export function createSubscriptionControl(deps: SubscriptionControlDeps): SubscriptionControl {
  const { storage, config, logger, ready } = deps;
  const { subscriptions } = storage;
  const nowIso = () => deps.clock().toISOString();

  /** Best effort, after the unsubscribe: the bot's pin must not outlive the subscription, but its failure is only reported. */
  async function unpinHeader(sub: Subscription, messageId: string): Promise<true | { unpinned: string } | { unpinError: string }> {
    const publisher = deps.publishers?.get(sub.platform);
    if (!publisher?.unpin) return true;
    const where = { platform: sub.platform, target: sub.targetId, messageId };
    try {
      await publisher.unpin(sub.targetId, messageId, { signal: AbortSignal.timeout(UNPIN_TIMEOUT_MS) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ ...where, reason }, "unsubscribed, but the header the bot pinned could not be unpinned");
      return { unpinError: reason };
    }
    // A settings target keeps its row (disabled): it no longer has a pin of the bot's to replace.
    if (sub.source === "settings") await subscriptions.setPinned(sub.platform, sub.targetId, undefined, nowIso());
    logger.info(where, "unpinned the header the bot pinned");
    return { unpinned: messageId };
  }

  async function unsubscribeNow(target: TargetRef): Promise<boolean | { unpinned: string } | { unpinError: string }> {
    const sub = await subscriptions.unsubscribe(target.platform, target.id, "unsubscribed by an admin", nowIso());
    if (!sub) return false;
    logger.info({ platform: target.platform, target: target.id }, "unsubscribed");
    return sub.pinnedMessageId ? unpinHeader(sub, sub.pinnedMessageId) : true;
  }

  return {
    async subscribe(target, sections) {
      if (sections && sections.some((i) => !Number.isInteger(i) || i < 0)) {
        throw deps.refuse("delivery: section indexes are 0-based integers");
      }
      await ready;
      // undefined keeps the filter a subscription already has; [] means every section.
      const kept = sections === undefined ? (await subscriptions.get(target.platform, target.id))?.sections : sections;
      await subscriptions.upsert(target.platform, target.id, kept?.length ? [...new Set(kept)].sort((a, b) => a - b) : undefined, nowIso());
      logger.info({ platform: target.platform, target: target.id, sections }, "subscribed");
    },

    async unsubscribe(target) {
      await ready;
      // A header being pinned now is waited for (at most UNPIN_TIMEOUT_MS), so this unpins it rather than the one before.
      if (!deps.pinLocks) return unsubscribeNow(target);
      return deps.pinLocks.run({ platform: target.platform, targetId: target.id }, () => unsubscribeNow(target), UNPIN_TIMEOUT_MS);
    },

    async setSchedule(target, schedule) {
      await ready;
      if (!(await subscriptions.get(target.platform, target.id))) {
        throw deps.refuse(`delivery: ${target.platform}:${target.id} is not subscribed; subscribe it first`);
      }
      try {
        deps.scheduleOf(schedule.cron ?? config.POST_CRON, schedule.timezone ?? config.POST_TIMEZONE);
      } catch (err) {
        throw deps.refuse((err as Error).message, err);
      }
      await subscriptions.setSchedule(target.platform, target.id, schedule.cron, schedule.timezone, nowIso());
    },

    async setOptions(target, patch) {
      const problem = patchProblem(target.platform, patch);
      if (problem) throw deps.refuse(`delivery: ${problem}`);
      await ready;
      const stored = await subscriptions.setOptions(target.platform, target.id, patch, nowIso());
      if (stored === false) throw deps.refuse(`delivery: ${target.platform}:${target.id} is not subscribed; subscribe it first`);
      logger.info({ platform: target.platform, target: target.id, options: stored }, "delivery options changed");
    },

    async targetStatus(target) {
      await ready;
      const sub = await subscriptions.get(target.platform, target.id);
      return sub && describeTarget(storage, sub, { archive: deps.archive, now: deps.clock(), scheduleFor: deps.scheduleFor, config });
    },

    async status() {
      await ready;
      return describeTargets(storage, { archive: deps.archive, now: deps.clock(), scheduleFor: deps.scheduleFor, config });
    },
  };
}
