// What `/status` shows per subscription: schedule, next run, last delivery and its outcome, why it is disabled.
import type { DigestArchive } from "../digest/archive.js";
import type { PendingDelivery, TargetStatus } from "../reply.js";
import type { Storage, Subscription } from "../storage/types.js";
import type { Config } from "../config.js";
import { effectiveOptions } from "./effective-options.js";
import { NO_KEYWORD_MATCH_NOTE } from "./keyword-filter.js";
import type { Schedule } from "./schedule.js";

/** Pending reposts/manual runs shown in `/status` (oldest first); `digest-bot pending` lists them all. */
export const STATUS_PENDING_MAX = 10;

type StatusContext = { archive: DigestArchive; now: Date; scheduleFor: (sub: Subscription) => Schedule; config: Config };

/**
 * The status of every subscription, and the earliest next run among the enabled ones.
 *
 * @example
 * const { nextRun, targets } = await describeTargets(storage, { archive, now: new Date(), scheduleFor, config });
 */
export async function describeTargets(
  storage: Storage,
  ctx: StatusContext,
): Promise<{ nextRun?: string; targets: TargetStatus[]; pending: PendingDelivery[] }> {
  let nextRun: string | undefined;
  const targets: TargetStatus[] = [];
  for (const sub of await storage.subscriptions.list()) {
    const status = await describeTarget(storage, sub, ctx);
    if (status.nextRun && (!nextRun || status.nextRun < nextRun)) nextRun = status.nextRun;
    targets.push(status);
  }
  const pending = await describePending(storage);
  return nextRun ? { nextRun, targets, pending } : { targets, pending };
}

/**
 * The status of one subscription (`/subscribe` answers with it: a key lookup, not the whole list).
 *
 * @example
 * const sub = await storage.subscriptions.get("telegram", "-100123");
 * if (sub) await describeTarget(storage, sub, { archive, now: new Date(), scheduleFor, config });
 */
export async function describeTarget(
  storage: Storage,
  sub: Subscription,
  ctx: StatusContext,
): Promise<TargetStatus> {
  const latest = ctx.archive.latest();
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
    if (next) status.nextRun = next.toISOString();
  }
  const options = effectiveOptions(sub, ctx.config);
  if (options) status.options = options;
  const last = await storage.ledger.lastRun(sub.platform, sub.targetId);
  if (last) {
    status.lastDelivery = { date: last.digestDate ?? "", status: last.status, at: last.createdAt };
    if (last.lastError) status.lastDelivery.error = last.lastError;
    if (last.pinError) status.lastDelivery.pinError = last.pinError;
    if (last.outcome === "skipped" && last.note?.startsWith(NO_KEYWORD_MATCH_NOTE)) {
      // The keywords that day was judged with: the subscription may have changed them since.
      status.nothingMatched = { date: last.digestDate ?? "", keywords: last.options?.keywords ?? options?.keywords ?? [] };
    }
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
  return status;
}

/** Reposts and manual deliveries still pending, the first STATUS_PENDING_MAX. */
async function describePending(storage: Storage): Promise<PendingDelivery[]> {
  return (await storage.ledger.pendingRuns()).slice(0, STATUS_PENDING_MAX).map((run): PendingDelivery => {
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
}
