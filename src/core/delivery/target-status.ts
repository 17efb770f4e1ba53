// What `/status` shows per subscription: schedule, next run, last delivery and its outcome, why it is disabled.
import type { DigestArchive } from "../digest/archive.js";
import type { PendingDelivery, TargetStatus } from "../reply.js";
import type { Storage, Subscription } from "../storage/types.js";
import type { Schedule } from "./schedule.js";

/** Pending reposts/manual runs shown in `/status` (oldest first); `digest-bot pending` lists them all. */
export const STATUS_PENDING_MAX = 10;

/**
 * The status of every subscription, and the earliest next run among the enabled ones.
 *
 * @example
 * const { nextRun, targets } = await describeTargets(storage, { archive, now: new Date(), scheduleFor });
 */
export async function describeTargets(
  storage: Storage,
  ctx: { archive: DigestArchive; now: Date; scheduleFor: (sub: Subscription) => Schedule },
): Promise<{ nextRun?: string; targets: TargetStatus[]; pending: PendingDelivery[] }> {
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
    const revision = await storage.revisions.lastRevision(sub.platform, sub.targetId);
    if (revision) {
      const { counts } = revision;
      status.lastRevision = {
        date: revision.digestDate,
        revision: revision.revision,
        at: revision.createdAt,
        edited: counts.edit,
        sent: counts.send,
        deleted: counts.delete,
        unchanged: counts.keep,
        open: revision.open,
        failed: revision.failed,
      };
    }
    const possibleDuplicates = await storage.ledger.possibleDuplicates({ platform: sub.platform, targetId: sub.targetId });
    if (possibleDuplicates > 0) status.possibleDuplicates = possibleDuplicates;
    targets.push(status);
  }
  const pending = (await storage.ledger.pendingRuns()).slice(0, STATUS_PENDING_MAX).map((run): PendingDelivery => {
    const p: PendingDelivery = {
      runId: run.runId,
      kind: run.kind,
      date: run.digestDate,
      platform: run.platform,
      targetId: run.targetId,
      open: run.open,
      parts: run.parts,
      createdAt: run.createdAt,
    };
    if (run.lastError) p.error = run.lastError;
    return p;
  });
  return nextRun ? { nextRun: nextRun.toISOString(), targets, pending } : { targets, pending };
}
