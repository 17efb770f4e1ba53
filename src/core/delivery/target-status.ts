// What `/status` shows per subscription: schedule, next run, last delivery and its outcome, why it is disabled.
import type { DigestArchive } from "../digest/archive.js";
import type { TargetStatus } from "../reply.js";
import type { Storage, Subscription } from "../storage/types.js";
import type { Schedule } from "./schedule.js";

/**
 * The status of every subscription, and the earliest next run among the enabled ones.
 *
 * @example
 * const { nextRun, targets } = await describeTargets(storage, { archive, now: new Date(), scheduleFor });
 */
export async function describeTargets(
  storage: Storage,
  ctx: { archive: DigestArchive; now: Date; scheduleFor: (sub: Subscription) => Schedule },
): Promise<{ nextRun?: string; targets: TargetStatus[] }> {
  const latest = ctx.archive.latest();
  let nextRun: Date | undefined;
  const targets: TargetStatus[] = [];
  for (const sub of await storage.subscriptions.list()) {
    const schedule = ctx.scheduleFor(sub);
    const status: TargetStatus = {
      platform: sub.platform,
      targetId: sub.targetId,
      enabled: sub.enabled,
      cron: schedule.cron,
      timezone: schedule.timezone,
    };
    if (sub.disabledReason) status.disabledReason = sub.disabledReason;
    if (sub.sections) status.sections = sub.sections.map((i) => latest?.sections[i]?.title ?? `#${i + 1}`);
    if (sub.enabled) {
      const next = schedule.next(ctx.now);
      if (next) {
        status.nextRun = next.toISOString();
        if (!nextRun || next < nextRun) nextRun = next;
      }
    }
    const last = await storage.ledger.lastRun(sub.platform, sub.targetId);
    if (last) {
      status.lastDelivery = { date: last.digestDate ?? "", status: last.status, at: last.createdAt };
      if (last.lastError) status.lastDelivery.error = last.lastError;
    }
    const possibleDuplicates = await storage.ledger.possibleDuplicates({ platform: sub.platform, targetId: sub.targetId });
    if (possibleDuplicates > 0) status.possibleDuplicates = possibleDuplicates;
    targets.push(status);
  }
  return nextRun ? { nextRun: nextRun.toISOString(), targets } : { targets };
}
