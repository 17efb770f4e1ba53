// Scheduled posts: which subscriptions' slots are due on a tick, planned a batch of targets per ledger transaction.
import type { Config } from "../config.js";
import type { DigestArchive } from "../digest/archive.js";
import type { Logger } from "../logger.js";
import type { LedgerStore, Subscription } from "../storage/types.js";
import { effectiveOptions } from "./effective-options.js";
import type { TargetKey } from "./flushing.js";
import { noKeywordMatchNote } from "./keyword-filter.js";
import { newRunId } from "./ledger.js";
import { isPlanFailure, isStaleForSlot, planningBatches, type PlanRequest, type Planner } from "./planning.js";
import type { Schedule } from "./schedule.js";

export interface ScheduledPlanningDeps {
  archive: DigestArchive;
  config: Config;
  ledger: LedgerStore;
  logger: Logger;
  planner: Planner;
  nowIso: () => string;
  scheduleFor: (sub: Subscription) => Schedule;
}

export interface ScheduledPlanning {
  /**
   * Plans the due scheduled run of each subscription (or records why its slot is skipped), a batch of targets per
   * transaction. `onPlanned` hears of each batch's targets with a run to send as soon as it is committed (also those
   * another instance planned first), so sending can start while later batches are planned. A batch that still
   * fails after its retries is split to find the target failing it; the following batches go on. A target that
   * fails on its own (a subscription row that cannot be read, a post that cannot be rendered, rows the database
   * refuses) is logged with its id and the error and held back, HOLD_FIRST_MS doubling to HOLD_MAX_MS, while the
   * others are planned.
   */
  planDue(subs: readonly Subscription[], now: Date, onPlanned: (targets: TargetKey[]) => void, stopped: () => boolean): Promise<void>;
}

/** The first wait before a target whose planning failed on its own is planned again (the next tick), doubling from there. */
export const HOLD_FIRST_MS = 60_000;
/** The longest wait between tries of a target whose planning keeps failing. */
export const HOLD_MAX_MS = 3_600_000;

/**
 * The scheduled side of one engine's planner.
 *
 * @example
 * const scheduled = createScheduledPlanning({ archive, config, ledger, logger, planner, nowIso, scheduleFor });
 * await scheduled.planDue(await subscriptions.list(), new Date(), (targets) => session.add(targets), () => stopping);
 */
export function createScheduledPlanning(deps: ScheduledPlanningDeps): ScheduledPlanning {
  const { archive, config, ledger, logger, nowIso } = deps;
  const deadlineMs = config.DELIVERY_DEADLINE_HOURS * 3_600_000;
  /** Slots already logged as waiting behind a stale digest, so a minute tick does not repeat the line. */
  const staleLogged = new Set<string>();
  /** Targets whose planning failed on their own, and when they are tried next (in memory: a restart tries at once). */
  const holds = new Map<string, { failures: number; until: number }>();
  const holdKey = (sub: Subscription) => `${sub.platform}\u0000${sub.targetId}`;

  function noteFailure(sub: Subscription, err: unknown, now: Date) {
    const key = holdKey(sub);
    const failures = (holds.get(key)?.failures ?? 0) + 1;
    const waitMs = Math.min(HOLD_FIRST_MS * 2 ** (failures - 1), HOLD_MAX_MS);
    holds.set(key, { failures, until: now.getTime() + waitMs });
    logger.error(
      { err, platform: sub.platform, target: sub.targetId, failures, retryAt: new Date(now.getTime() + waitMs).toISOString() },
      `could not plan the scheduled delivery of ${sub.platform}:${sub.targetId}; the other targets go on, this one is tried again in ${Math.round(waitMs / 60_000)} min`,
    );
  }

  async function planBatch(subs: readonly Subscription[], now: Date, onPlanned: (targets: TargetKey[]) => void) {
    // Many subscriptions share a schedule and a zone: their slot and the deadline verdict are worked out once.
    const slots = new Map<Schedule, Date | undefined>();
    const staleness = new Map<string, boolean>();
    const due: { sub: Subscription; schedule: Schedule; slot: Date; slotIso: string }[] = [];
    for (const sub of subs) {
      let schedule: Schedule;
      try {
        if (sub.problem) throw new Error(sub.problem);
        schedule = deps.scheduleFor(sub);
        if (!slots.has(schedule)) slots.set(schedule, schedule.previous(now));
      } catch (err) {
        noteFailure(sub, err, now);
        continue;
      }
      const slot = slots.get(schedule);
      if (!slot || slot.getTime() < Date.parse(sub.createdAt)) continue;
      due.push({ sub, schedule, slot, slotIso: slot.toISOString() });
    }
    if (due.length === 0) return;
    const latest = archive.latest();
    const states = await ledger.slotStates(
      due.map((d) => ({ platform: d.sub.platform, targetId: d.sub.targetId, slot: d.slotIso })),
      latest?.date,
    );
    const requests: (PlanRequest & { sub: Subscription })[] = [];
    for (const [i, { sub, schedule, slot, slotIso }] of due.entries()) {
      const state = states[i]!;
      if (state.slotTaken) continue;
      const where = { platform: sub.platform, target: sub.targetId, slot: slotIso };
      const undelivered = latest && !state.delivered ? latest : undefined;
      let stale = false;
      if (undelivered) {
        const key = `${undelivered.date}\u0000${slotIso}\u0000${schedule.timezone}`;
        if (!staleness.has(key)) staleness.set(key, isStaleForSlot(undelivered.date, slot, schedule.timezone, deadlineMs));
        stale = staleness.get(key)!;
      }
      const fresh = stale ? undefined : undelivered;
      const late = now.getTime() - slot.getTime() > deadlineMs;
      const staleNote = stale
        ? `the latest digest (${undelivered!.date}) is older than DELIVERY_DEADLINE_HOURS (${config.DELIVERY_DEADLINE_HOURS} h after its day ended) and is not sent as the day's post; /repost sends it on request`
        : undefined;
      if (fresh && !late) {
        let options;
        try {
          options = effectiveOptions(sub, config);
        } catch (err) {
          noteFailure(sub, err, now);
          continue;
        }
        const runId = newRunId("scheduled", fresh.date);
        requests.push({ sub, kind: "scheduled", runId, platform: sub.platform, targetId: sub.targetId, options, digest: fresh, sections: sub.sections, extra: { slot: slotIso }, whileSubscribed: true, oncePerDigest: true });
        continue;
      }
      if (!late) {
        // Waiting for a new digest; it goes out as soon as it appears.
        const key = `${sub.platform}\u0000${sub.targetId}\u0000${slotIso}`;
        if (staleNote && !staleLogged.has(key)) {
          staleLogged.add(key);
          logger.warn({ ...where, date: undelivered?.date }, `scheduled delivery waiting for a new digest: ${staleNote}`);
        }
        continue;
      }
      const note = staleNote
        ? `no new digest within ${config.DELIVERY_DEADLINE_HOURS} h of the scheduled time; ${staleNote}`
        : fresh
          ? `missed by more than ${config.DELIVERY_DEADLINE_HOURS} h (the bot was not running); ${fresh.date} not sent`
          : `no new digest within ${config.DELIVERY_DEADLINE_HOURS} h of the scheduled time`;
      try {
        await ledger.skipSlot({ runId: newRunId("scheduled", undefined), ...sub, slot: slotIso, note, now: nowIso() });
      } catch (err) {
        noteFailure(sub, err, now);
        continue;
      }
      holds.delete(holdKey(sub));
      logger.warn(where, `scheduled delivery skipped: ${note}`);
    }
    if (requests.length === 0) return;
    const results = await deps.planner.planMany(requests);
    const toSend: TargetKey[] = [];
    let leftForNextTick = 0;
    let batchError: unknown;
    for (const [i, { sub, runId, digest, options, extra }] of requests.entries()) {
      const where = { platform: sub.platform, target: sub.targetId, slot: extra.slot };
      const result = results[i];
      if (isPlanFailure(result)) {
        if (result.alone) noteFailure(sub, result.failed, now);
        else {
          leftForNextTick++;
          batchError = result.failed;
        }
        continue;
      }
      holds.delete(holdKey(sub));
      if (result === "planned" || result === "taken") {
        // "taken": its parts are in the ledger (another instance committed first); whoever holds the sender lease sends them.
        toSend.push({ platform: sub.platform, targetId: sub.targetId });
        if (result === "planned") logger.info({ ...where, runId, date: digest.date }, "scheduled delivery planned");
        else logger.debug(where, "scheduled delivery already planned by another instance");
        continue;
      }
      if (result === "delivered") {
        // A day skipped for no match that a revision sent (on another instance) since the slot states were read.
        logger.info({ ...where, date: digest.date }, "scheduled delivery not planned: this digest's post was sent to the target meanwhile (a skipped day a revision made match)");
        continue;
      }
      if (result === "unsubscribed") {
        logger.info(where, "scheduled delivery not planned: the target was unsubscribed or disabled while the broadcast was being planned");
        continue;
      }
      // "no-match" is what the subscription asked for: recorded (and shown by /status), nothing sent.
      const note =
        result === "no-match"
          ? noKeywordMatchNote(digest.date, options?.keywords ?? [], sub.sections !== undefined)
          : `the section filter ${JSON.stringify(sub.sections)} matches no section of ${digest.date}`;
      try {
        await ledger.skipSlot({
          runId, platform: sub.platform, targetId: sub.targetId, slot: extra.slot!, digestDate: digest.date, note, now: nowIso(),
          ...(result === "no-match" ? (options ? { options } : {}) : sub.options ? { options: sub.options } : {}),
        });
      } catch (err) {
        noteFailure(sub, err, now);
        continue;
      }
      if (result === "no-match") logger.info({ ...where, date: digest.date }, `scheduled delivery skipped: ${note}`);
      else logger.warn({ ...where, date: digest.date }, `scheduled delivery skipped: ${note}`);
    }
    if (leftForNextTick > 0) {
      logger.error({ err: batchError, targets: leftForNextTick }, "could not plan the scheduled deliveries of these targets; trying again on the next tick");
    }
    if (toSend.length > 0) onPlanned(toSend);
  }

  async function planDue(subs: readonly Subscription[], now: Date, onPlanned: (targets: TargetKey[]) => void, stopped: () => boolean) {
    const nowMs = now.getTime();
    const free = subs.filter((sub) => (holds.get(holdKey(sub))?.until ?? 0) <= nowMs);
    for (const batch of planningBatches(free)) {
      if (stopped()) return;
      try {
        await planBatch(batch, now, onPlanned);
      } catch (err) {
        logger.error({ err, targets: batch.length }, "could not plan the scheduled deliveries of these targets; trying again on the next tick");
      }
    }
  }

  return { planDue };
}
