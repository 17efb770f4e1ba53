// Planning: rendering a run's parts once per broadcast and writing many targets' runs to the ledger per transaction; the deadline rule.
import type { Digest } from "../digest/model.js";
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import type { LedgerStore, PlanOutcome, PlanRunInput, RunKind } from "../storage/types.js";
import { buildDailyPost } from "../summaries.js";
import { filterPostByKeywords } from "./keyword-filter.js";
import { withPinStep } from "./pin-step.js";
import type { PostOptions } from "./post-options.js";
import type { Publisher } from "./publisher.js";

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

/** Targets planned in the first transaction of a broadcast: few, so sending starts at once while the rest are planned. */
export const PLAN_BATCH_FIRST = 8;
/** The largest planning transaction (batches double up to it): one commit (an fsync on SQLite) per this many targets. */
export const PLAN_BATCH_MAX = 256;
/** Tries of one planning transaction that fails (a database blip) before it is split to find the target that fails it. */
export const PLAN_ATTEMPTS = 3;
/**
 * Targets of one failed batch found failing on their own before the search stops and leaves the rest of the batch
 * for the next tick: one bad row is found in log2(batch) transactions, a database refusing everything costs a few
 * more, not one per target.
 */
export const ISOLATED_PER_BATCH = 4;

/**
 * `items` in batches of PLAN_BATCH_FIRST, then doubling to PLAN_BATCH_MAX: the first targets' runs are committed
 * (and can be sent) after a small transaction, the bulk goes in a few large ones.
 */
export function* planningBatches<T>(items: readonly T[]): Generator<T[]> {
  let size = PLAN_BATCH_FIRST;
  for (let i = 0; i < items.length; ) {
    yield items.slice(i, i + size);
    i += size;
    size = Math.min(size * 2, PLAN_BATCH_MAX);
  }
}

/** One target's run to plan. */
export interface PlanRequest {
  kind: RunKind;
  runId: string;
  platform: Platform;
  targetId: string;
  /** Its effective options (effective-options.ts); undefined for a target that is no subscription. */
  options?: PostOptions | undefined;
  digest: Digest;
  sections: number[] | undefined;
  extra: { slot?: string; sectionIndex?: number; requestedBy?: string };
  /** Planned only while the target is still an enabled subscription when its batch commits (a scheduled post). */
  whileSubscribed?: boolean;
  /** Planned only while no scheduled run carries this digest to the target when its batch commits (a scheduled post). */
  oncePerDigest?: boolean;
}

/**
 * A target that could not be planned: `alone` when it failed by itself (its post could not be rendered, or its
 * rows written alone were refused), not only as one of a batch that kept failing (then it is tried on the next tick).
 */
export interface PlanFailure {
  failed: unknown;
  alone: boolean;
}

/**
 * `planned` (also when an earlier try of the same batch had recorded it), `empty` when its section filter leaves
 * nothing, `no-match` when no story of those sections matches its keywords, `taken` when another instance planned
 * this slot first, `unsubscribed` when a `whileSubscribed` target was unsubscribed before its batch committed,
 * `delivered` when a `oncePerDigest` target got that digest's scheduled post meanwhile, a {@link PlanFailure} when it
 * could not be planned.
 */
export type PlanResult = "planned" | "empty" | "no-match" | "taken" | "unsubscribed" | "delivered" | PlanFailure;

/** Whether a result is a failure. */
export const isPlanFailure = (result: PlanResult | undefined): result is PlanFailure => typeof result === "object";

export interface PlannerDeps {
  ledger: LedgerStore;
  logger: Logger;
  publishers: ReadonlyMap<Platform, Publisher>;
  nowIso: () => string;
  /** Resolves after `ms`, or early (false) when the engine stops: the wait before a failed batch is tried again. */
  sleep: (ms: number) => Promise<boolean>;
  /** Thrown when a platform has no publisher. */
  noPublisher: (platform: Platform) => Error;
}

export interface Planner {
  /**
   * Plans the runs of many targets in one ledger transaction (all of them recorded, or none), trying a failing
   * transaction again up to PLAN_ATTEMPTS times. A target whose post cannot be rendered, or a batch that still
   * fails, does not fail the others: the batch is split in halves (written once each) until the target failing it
   * is found, at most ISOLATED_PER_BATCH of them. Results in the order given.
   */
  planMany(requests: readonly PlanRequest[]): Promise<PlanResult[]>;
  /** The parts a post of `digest` would have (pure, rendered once per digest and options), or why it has none. */
  planPost(platform: Platform, digest: Digest, sections: number[] | undefined, options: PostOptions | undefined): PostPlan;
}

/** A post's planned parts, or why it has none: "empty" (its sections are not in the digest), "no-match" (no story matches its keywords). */
export type PostPlan = "empty" | "no-match" | ReturnType<typeof withPinStep>;

/**
 * The planner of one engine.
 *
 * @example
 * const planner = createPlanner({ ledger, logger, publishers, nowIso, sleep, noPublisher });
 * const [result] = await planner.planMany([{ kind: "repost", runId, platform: "telegram", targetId: "-100123", digest, sections: undefined, extra: {} }]);
 */
export function createPlanner(deps: PlannerDeps): Planner {
  const { ledger, logger, publishers, nowIso } = deps;
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

  async function write(runs: PlanRunInput[], attempts: number): Promise<PlanOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ledger.planRuns(runs);
      } catch (err) {
        // The transaction wrote all or nothing; trying it again cannot record a run twice ("exists" then).
        if (attempt >= attempts) throw err;
        logger.warn({ err, targets: runs.length, attempt }, "could not record a planning batch; trying again");
        if (!(await deps.sleep(100 * 2 ** attempt))) throw err;
      }
    }
  }

  /** `runs` (whose write just failed with `err`) in halves, each written once, down to the ones that fail alone. */
  async function bisect(runs: PlanRunInput[], err: unknown, budget: { left: number }): Promise<(PlanOutcome | PlanFailure)[]> {
    if (runs.length === 1) {
      budget.left--;
      return [{ failed: err, alone: true }];
    }
    const mid = Math.ceil(runs.length / 2);
    const out: (PlanOutcome | PlanFailure)[] = [];
    for (const half of [runs.slice(0, mid), runs.slice(mid)]) {
      if (budget.left <= 0) {
        out.push(...half.map(() => ({ failed: err, alone: false })));
        continue;
      }
      try {
        out.push(...(await write(half, 1)));
      } catch (halfErr) {
        out.push(...(await bisect(half, halfErr, budget)));
      }
    }
    return out;
  }

  async function writeIsolating(runs: PlanRunInput[]): Promise<(PlanOutcome | PlanFailure)[]> {
    try {
      return await write(runs, PLAN_ATTEMPTS);
    } catch (err) {
      if (runs.length > 1) logger.warn({ err, targets: runs.length }, "a planning batch keeps failing; planning its targets in smaller batches to find the one failing it");
      return bisect(runs, err, { left: ISOLATED_PER_BATCH });
    }
  }

  async function planMany(requests: readonly PlanRequest[]): Promise<PlanResult[]> {
    const results: PlanResult[] = new Array(requests.length);
    const runs: PlanRunInput[] = [];
    const positions: number[] = [];
    const now = nowIso();
    requests.forEach((request, i) => {
      let plan: PostPlan;
      try {
        plan = planPost(request.platform, request.digest, request.sections, request.options);
      } catch (err) {
        results[i] = { failed: err, alone: true };
        return;
      }
      if (plan === "empty" || plan === "no-match") {
        results[i] = plan;
        return;
      }
      positions.push(i);
      runs.push({
        runId: request.runId,
        kind: request.kind,
        platform: request.platform,
        targetId: request.targetId,
        digestDate: request.digest.date,
        sections: request.sections ?? "all",
        payloads: plan.payloads,
        now,
        ...(request.options ? { options: request.options } : {}),
        ...(plan.operations ? { operations: plan.operations } : {}),
        ...request.extra,
        ...(request.whileSubscribed ? { whileSubscribed: true } : {}),
        ...(request.oncePerDigest ? { oncePerDigest: true } : {}),
      });
    });
    const outcomes = runs.length > 0 ? await writeIsolating(runs) : [];
    outcomes.forEach(
      (outcome, k) => (results[positions[k]!] = typeof outcome === "object" || outcome === "taken" || outcome === "unsubscribed" || outcome === "delivered" ? outcome : "planned"),
    );
    return results;
  }

  return { planMany, planPost };
}
