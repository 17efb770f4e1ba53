// Planning: which scheduled run is due for a subscription, the deadline rule, and writing a run's parts to the ledger.
import type { Config } from "../config.js";
import type { DigestArchive } from "../digest/archive.js";
import type { Digest } from "../digest/model.js";
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import type { LedgerStore, RunKind, Subscription } from "../storage/types.js";
import { buildDailyPost } from "../summaries.js";
import { effectiveOptions } from "./effective-options.js";
import { filterPostByKeywords, noKeywordMatchNote } from "./keyword-filter.js";
import { newRunId } from "./ledger.js";
import { withPinStep } from "./pin-step.js";
import type { PostOptions } from "./post-options.js";
import type { Publisher } from "./publisher.js";
import type { Schedule } from "./schedule.js";

/** Milliseconds between an instant's wall clock in `timeZone` (read as UTC) and the instant itself. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - instant;
}

/**
 * When the day a digest is dated ends, in the schedule's time zone (the next midnight there).
 *
 * @example
 * digestDayEnd("2026-02-18", "Asia/Shanghai"); // 2026-02-18T16:00:00.000Z
 */
export function digestDayEnd(date: string, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(y, m - 1, d + 1);
  return new Date(midnightUtc - zoneOffsetMs(midnightUtc, timeZone));
}

/**
 * The deadline rule: a digest is too old to be a slot's daily post when the slot comes more than
 * DELIVERY_DEADLINE_HOURS after the end of the digest's own day (in the subscription's zone). Today's digest at
 * 09:00 is fresh; with the default 12 h, yesterday's still is at 09:00 (9 h after its day ended); a digest of
 * months ago never is (e.g. the first scheduled post after setting up a bot on an old archive).
 */
export function isStaleForSlot(digestDate: string, slot: Date, timeZone: string, deadlineMs: number): boolean {
  return slot.getTime() - digestDayEnd(digestDate, timeZone).getTime() > deadlineMs;
}

export interface PlannerDeps {
  archive: DigestArchive;
  config: Config;
  ledger: LedgerStore;
  logger: Logger;
  publishers: ReadonlyMap<Platform, Publisher>;
  nowIso: () => string;
  scheduleFor: (sub: Subscription) => Schedule;
  /** Thrown when a platform has no publisher. */
  noPublisher: (platform: Platform) => Error;
}

export interface Planner {
  /**
   * Plans a run of `digest` for one target with its effective options (effective-options.ts; undefined for a target
   * that is no subscription): "empty" when its section filter leaves nothing, "no-match" when no story of those
   * sections matches its keywords, "taken" when another instance planned this slot first.
   */
  planFor(
    kind: RunKind,
    runId: string,
    sub: { platform: Platform; targetId: string; options?: PostOptions | undefined },
    digest: Digest,
    sections: number[] | undefined,
    extra: { slot?: string; sectionIndex?: number; requestedBy?: string },
  ): Promise<"planned" | "empty" | "no-match" | "taken">;
  /** Plans the scheduled run of one subscription if one is due now (or records why its slot is skipped). */
  planIfDue(sub: Subscription, now: Date): Promise<void>;
  /** The parts a post of `digest` would have (pure, rendered once per digest and options), or why it has none. */
  planPost(platform: Platform, digest: Digest, sections: number[] | undefined, options: PostOptions | undefined): PostPlan;
}

/** A post's planned parts, or why it has none: "empty" (its sections are not in the digest), "no-match" (no story matches its keywords). */
export type PostPlan = "empty" | "no-match" | ReturnType<typeof withPinStep>;

/**
 * The planner of one engine.
 *
 * @example
 * const planner = createPlanner({ archive, config, ledger, logger, publishers, nowIso, scheduleFor, noPublisher });
 * for (const sub of await subscriptions.list()) await planner.planIfDue(sub, new Date());
 */
export function createPlanner(deps: PlannerDeps): Planner {
  const { archive, config, ledger, logger, publishers, nowIso } = deps;
  const deadlineMs = config.DELIVERY_DEADLINE_HOURS * 3_600_000;
  /** Slots already logged as waiting behind a stale digest, so a minute tick does not repeat the line. */
  const staleLogged = new Set<string>();
  /**
   * Plans already made for the digest planned last (a revised digest is a new object, planned afresh). One digest
   * only: a broadcast plans one digest for every target, and plans kept per digest would pile up day after day.
   */
  let lastPlans: { digest: Digest; plans: Map<string, PostPlan> } | undefined;

  function planPost(platform: Platform, digest: Digest, sections: number[] | undefined, options: PostOptions | undefined): PostPlan {
    const publisher = publishers.get(platform);
    if (!publisher) throw deps.noPublisher(platform);
    // Planning is pure: a broadcast renders each (digest, platform, sections, options) once, not once per target.
    if (lastPlans?.digest !== digest) lastPlans = { digest, plans: new Map() };
    const { plans } = lastPlans;
    const key = JSON.stringify([platform, sections ?? null, options ?? null]);
    let plan = plans.get(key);
    if (!plan) {
      const all = buildDailyPost(digest, sections);
      const post = all.sections.length === 0 ? undefined : filterPostByKeywords(all, digest, options?.keywords);
      // The options are baked into the payloads and recorded with the run: a resume sends, and a revision re-plans, the same.
      plan = !post ? "empty" : post.sections.length === 0 ? "no-match" : withPinStep(publisher.planDailyPost(post, options), options, publisher);
      plans.set(key, plan);
    }
    return plan;
  }

  async function planFor(...[kind, runId, sub, digest, sections, extra]: Parameters<Planner["planFor"]>) {
    const { options } = sub;
    const plan = planPost(sub.platform, digest, sections, options);
    if (plan === "empty" || plan === "no-match") return plan;
    const { payloads, operations } = plan;
    const fresh = await ledger.planRun({
      runId,
      kind,
      platform: sub.platform,
      targetId: sub.targetId,
      digestDate: digest.date,
      sections: sections ?? "all",
      payloads,
      now: nowIso(),
      ...(options ? { options } : {}),
      ...(operations ? { operations } : {}),
      ...extra,
    });
    return fresh ? ("planned" as const) : ("taken" as const);
  }

  async function planIfDue(sub: Subscription, now: Date) {
    const schedule = deps.scheduleFor(sub);
    const slot = schedule.previous(now);
    if (!slot || slot.getTime() < Date.parse(sub.createdAt)) return;
    const slotIso = slot.toISOString();
    if (await ledger.slotTaken(sub.platform, sub.targetId, slotIso)) return;
    const where = { platform: sub.platform, target: sub.targetId, slot: slotIso };
    const latest = archive.latest();
    const undelivered = latest && !(await ledger.scheduledDelivered(sub.platform, sub.targetId, latest.date)) ? latest : undefined;
    const stale = undelivered !== undefined && isStaleForSlot(undelivered.date, slot, schedule.timezone, deadlineMs);
    const fresh = stale ? undefined : undelivered;
    const late = now.getTime() - slot.getTime() > deadlineMs;
    const staleNote = stale
      ? `the latest digest (${undelivered.date}) is older than DELIVERY_DEADLINE_HOURS (${config.DELIVERY_DEADLINE_HOURS} h after its day ended) and is not sent as the day's post; /repost sends it on request`
      : undefined;
    if (fresh && !late) {
      const runId = newRunId("scheduled", fresh.date);
      const options = effectiveOptions(sub, config);
      const planned = await planFor("scheduled", runId, { platform: sub.platform, targetId: sub.targetId, options }, fresh, sub.sections, { slot: slotIso });
      if (planned === "planned") {
        logger.info({ ...where, runId, date: fresh.date }, "scheduled delivery planned");
      } else if (planned === "taken") {
        logger.debug(where, "scheduled delivery already planned by another instance");
      } else if (planned === "no-match") {
        // What the subscription asked for: recorded (and shown by /status), nothing sent.
        const note = noKeywordMatchNote(fresh.date, options?.keywords ?? [], sub.sections !== undefined);
        await ledger.skipSlot({ runId, platform: sub.platform, targetId: sub.targetId, slot: slotIso, digestDate: fresh.date, note, now: nowIso(), ...(options ? { options } : {}) });
        logger.info({ ...where, date: fresh.date }, `scheduled delivery skipped: ${note}`);
      } else {
        const note = `the section filter ${JSON.stringify(sub.sections)} matches no section of ${fresh.date}`;
        await ledger.skipSlot({ runId, ...sub, slot: slotIso, digestDate: fresh.date, note, now: nowIso() });
        logger.warn({ ...where, date: fresh.date }, `scheduled delivery skipped: ${note}`);
      }
      return;
    }
    if (!late) {
      // Waiting for a new digest; it goes out as soon as it appears.
      const key = `${sub.platform}\u0000${sub.targetId}\u0000${slotIso}`;
      if (staleNote && !staleLogged.has(key)) {
        staleLogged.add(key);
        logger.warn({ ...where, date: undelivered?.date }, `scheduled delivery waiting for a new digest: ${staleNote}`);
      }
      return;
    }
    const note = staleNote
      ? `no new digest within ${config.DELIVERY_DEADLINE_HOURS} h of the scheduled time; ${staleNote}`
      : fresh
        ? `missed by more than ${config.DELIVERY_DEADLINE_HOURS} h (the bot was not running); ${fresh.date} not sent`
        : `no new digest within ${config.DELIVERY_DEADLINE_HOURS} h of the scheduled time`;
    await ledger.skipSlot({ runId: newRunId("scheduled", undefined), ...sub, slot: slotIso, note, now: nowIso() });
    logger.warn(where, `scheduled delivery skipped: ${note}`);
  }

  return { planFor, planIfDue, planPost };
}
