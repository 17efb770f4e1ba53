// Keyword filters and revisions: a day skipped because no story matched is sent once a revision of its digest makes one match.
import type { Config } from "../config.js";
import type { DigestArchive } from "../digest/archive.js";
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import { planSkippedDay, skippedDays } from "../storage/skipped-days.js";
import type { Storage } from "../storage/types.js";
import { effectiveOptions } from "./effective-options.js";
import { NO_KEYWORD_MATCH_NOTE } from "./keyword-filter.js";
import type { Planner } from "./planning.js";
import type { Publisher } from "./publisher.js";

export interface SkippedDayRetryDeps {
  storage: Storage;
  archive: DigestArchive;
  config: Config;
  logger: Logger;
  publishers: ReadonlyMap<Platform, Publisher>;
  planPost: Planner["planPost"];
  clock: () => Date;
}

/**
 * Sends, after a revision of `digestDate`, each day of it that was skipped because no story matched the target's
 * keywords and now has a match — judged and planned with the subscription as it is now (its keywords, options and
 * sections: a subscriber who changed their keywords since the day was skipped gets what they ask for now, and
 * nothing when the revision matches none of them), and only while the day could still go out late (within
 * DELIVERY_DEADLINE_HOURS of its slot) and is the target's latest scheduled slot of the subscription it has now. Resolves how many days were planned (the engine's next flush sends them), and
 * `later` when some platform has no publisher yet (the request is kept for it).
 *
 * @example
 * const { planned } = await sendSkippedDays(deps, "2026-02-18"); // 1: the day goes out on the next flush
 */
export async function sendSkippedDays(deps: SkippedDayRetryDeps, digestDate: string): Promise<{ planned: number; later: boolean }> {
  const { storage, logger } = deps;
  const digest = deps.archive.get(digestDate);
  if (!digest) return { planned: 0, later: false };
  const now = deps.clock();
  const deadlineMs = deps.config.DELIVERY_DEADLINE_HOURS * 3_600_000;
  let planned = 0;
  let later = false;
  for (const day of await skippedDays(storage.db, digestDate, NO_KEYWORD_MATCH_NOTE)) {
    const where = { runId: day.runId, platform: day.platform, target: day.targetId, slot: day.slot, date: digestDate };
    if (now.getTime() - Date.parse(day.slot) > deadlineMs) continue;
    const sub = await storage.subscriptions.get(day.platform, day.targetId);
    // A subscription made after the slot (unsubscribed and subscribed again) never had that day, as on its schedule.
    if (!sub?.enabled || Date.parse(sub.createdAt) > Date.parse(day.slot)) continue;
    if (!deps.publishers.has(day.platform)) {
      later = true;
      continue;
    }
    const options = effectiveOptions(sub, deps.config);
    const plan = deps.planPost(day.platform, digest, sub.sections, options);
    if (plan === "empty" || plan === "no-match") continue;
    const fresh = await planSkippedDay(storage.db, storage.dialect, day, {
      sections: sub.sections ?? "all",
      options,
      payloads: plan.payloads,
      ...(plan.operations ? { operations: plan.operations } : {}),
      now: now.toISOString(),
    });
    if (!fresh) continue;
    planned++;
    logger.info(where, "a revision made a story match the keywords of a day skipped for no match; the day's post is sent now");
  }
  return { planned, later };
}
