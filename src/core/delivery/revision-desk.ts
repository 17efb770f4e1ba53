// Corrections of delivered posts: turns digest changes into revisions in the ledger after a quiet period, and carries them out.
import type { ArchiveChange, DigestArchive } from "../digest/archive.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import { newRunId } from "../storage/part-keys.js";
import type { DeliveredRun } from "../storage/revision-store.js";
import type { Storage } from "../storage/types.js";
import { runTargetKey, unsentRuns } from "../storage/unsent-runs.js";
import { buildDailyPost } from "../summaries.js";
import type { Publisher } from "./publisher.js";
import { PLATFORM_LIMITS, type PlatformLimits } from "./pacing.js";
import { filterPostByKeywords } from "./keyword-filter.js";
import { countOperations, planRevision, sectionsOfRun } from "./revision-planner.js";
import { sendParts, type SenderDeps } from "./sender.js";
import { operationFor } from "./flushing.js";
import { sendSkippedDays } from "./keyword-revisions.js";
import type { Planner } from "./planning.js";

/** The window of a publisher's `editsPerMinute` budget. */
export const EDIT_BUDGET_WINDOW_MS = 60_000;

export interface RevisionDeskOptions {
  storage: Storage;
  archive: DigestArchive;
  /** Its revision settings; the whole of it for the options a day skipped for no match is sent with (effective-options.ts). */
  config: Config;
  logger: Logger;
  publishers: ReadonlyMap<Platform, Publisher>;
  /** The engine's sender dependencies (owner, retry, sleep, stop flag); marks and leases are swapped for the revision store's. */
  sender: SenderDeps;
  clock: () => Date;
  /** Asks the engine for a tick (it serialises ticks); called when a quiet period ends. */
  requestTick: () => void;
  /** The engine's planner: days skipped for no keyword match are sent after a revision makes a story match (keyword-revisions.ts). */
  planPost?: Planner["planPost"];
}

export interface RevisionDesk {
  /** Records a changed digest as a revision request due after the quiet period (a later save pushes it back). */
  noteChange(change: ArchiveChange): Promise<void>;
  /** Plans the revisions of every due request, then carries out open operations. Called inside the engine's tick. */
  tick(): Promise<void>;
  /** Arms the quiet-period timer for requests left by an earlier process. */
  start(): Promise<void>;
  stop(): void;
}

/**
 * Creates the revision desk of a delivery engine.
 *
 * @example
 * const desk = createRevisionDesk({ storage, archive, config, logger, publishers, sender: senderDeps, clock, requestTick: () => void engine.tick() });
 * archive.onChange((c) => void desk.noteChange(c));
 */
export function createRevisionDesk(options: RevisionDeskOptions): RevisionDesk {
  const { storage, archive, config, logger, publishers, clock } = options;
  const store = storage.revisions;
  const deps: SenderDeps = { ...options.sender, ledger: store.marks, leases: store.leases };
  const quietMs = config.REVISION_QUIET_SECONDS * 1000;
  /** Per target, when its recent edits/deletes went out (the per-minute budget). */
  const recentEdits = new Map<string, number[]>();
  let timer: NodeJS.Timeout | undefined;

  function arm(dueAt: string) {
    if (timer) clearTimeout(timer);
    // The clock may be a test's fake one: wait at least the quiet period from now in real time, then tick.
    const wait = Math.max(0, Math.min(Date.parse(dueAt) - clock().getTime(), quietMs)) + 50;
    timer = setTimeout(() => {
      timer = undefined;
      options.requestTick();
    }, wait);
    timer.unref();
  }

  async function planRun(run: DeliveredRun): Promise<"planned" | "unchanged" | "later"> {
    const publisher = publishers.get(run.platform);
    if (!publisher) return "later";
    if (!publisher.edit || !publisher.delete) return "unchanged";
    // One revision at a time per run: the next one is planned from what the previous one left in the channel.
    if (await store.hasOpenRevision(run)) return "later";
    const sub = await storage.subscriptions.get(run.platform, run.targetId);
    if (sub && !sub.enabled) return "unchanged";
    const digest = archive.get(run.digestDate);
    if (!digest) return "unchanged";
    const post = buildDailyPost(digest, sectionsOfRun(run, sub?.sections));
    // Re-planned with the options the run was planned with (its keywords, mode, silent flag…), so unchanged
    // messages hash the same and the post keeps its shape. With no story matching any more, or none of its sections
    // left in the digest, the header is all that is left: the stories are removed like any story a revision removes
    // (once: the next revision finds the header-only post up to date).
    const filtered = filterPostByKeywords(post, digest, run.options?.keywords);
    const payloads = publisher.planDailyPost(filtered, run.options);
    const operations = planRevision(await store.currentMessages(run), payloads);
    if (!operations) return "unchanged";
    const revisionId = newRunId("manual", run.digestDate).replace(/^m/, "v");
    const revision = await store.planRevision({ run, partCount: payloads.length, operations, revisionId, now: clock().toISOString() });
    // Its group moved to a new id since the run was read as delivered (a run kept waiting here across ticks).
    if (revision === undefined) return "unchanged";
    if (post.sections.length === 0) {
      logger.info({ runId: run.runId, platform: run.platform, target: run.targetId, date: run.digestDate }, "revision: the run's sections are no longer in the digest; their messages are deleted and the header corrected");
    }
    logger.info(
      { runId: run.runId, revisionId, revision, platform: run.platform, target: run.targetId, date: run.digestDate, ...countOperations(operations) },
      "revision planned",
    );
    return "planned";
  }

  /**
   * Per request kept waiting (by date and due time: a later change is a new request), what it waits for: the runs
   * that had to wait (an open revision, no publisher yet), the runs whose messages were still unsent, and whether
   * the days skipped for no match are still to be looked at. A waiting request costs a tick two reads of the open
   * parts' index; the digest's delivered runs are read again only when one of those unsent runs has been sent since.
   */
  const waitingFor = new Map<string, { again: Map<string, DeliveredRun>; unsent: Set<string>; skippedLater: boolean }>();

  /** Plans every due request; true when some run had to wait (an earlier revision still open, no publisher yet, a post still being sent). */
  async function planDue(): Promise<boolean> {
    let waiting = false;
    const due = await store.dueRequests(clock().toISOString());
    const keys = new Set(due.map((r) => `${r.digestDate}\u0000${r.dueAt}`));
    for (const key of waitingFor.keys()) if (!keys.has(key)) waitingFor.delete(key);
    for (const request of due) {
      const requestKey = `${request.digestDate}\u0000${request.dueAt}`;
      const before = waitingFor.get(requestKey);
      // Read first: a run sent between this read and the delivered runs' one is then looked at on the next tick.
      const unsentAtStart = await unsentRuns(storage.db, request.digestDate);
      let runs: DeliveredRun[];
      if (!before) runs = await store.deliveredRuns(request.digestDate);
      else {
        runs = [...before.again.values()];
        const sentSince = new Set([...before.unsent].filter((k) => !unsentAtStart.has(k) && !before.again.has(k)));
        if (sentSince.size > 0) runs.push(...(await store.deliveredRuns(request.digestDate)).filter((run) => sentSince.has(runTargetKey(run))));
      }
      const again = new Map<string, DeliveredRun>();
      for (const run of runs) {
        try {
          if ((await planRun(run)) === "later") again.set(runTargetKey(run), run);
        } catch (err) {
          again.set(runTargetKey(run), run);
          logger.error({ err, runId: run.runId, platform: run.platform, target: run.targetId }, "could not plan a revision; retrying on the next tick");
        }
      }
      // Days this digest skipped because nothing matched: sent now if the revision made a story match.
      let skippedLater = false;
      if (options.planPost && (!before || before.skippedLater)) {
        try {
          const skipped = await sendSkippedDays({ storage, archive, config, logger, publishers, planPost: options.planPost, clock }, request.digestDate);
          if (skipped.later) skippedLater = true;
          if (skipped.planned > 0) options.requestTick();
        } catch (err) {
          skippedLater = true;
          logger.error({ err, date: request.digestDate }, "could not plan a day skipped for no match; retrying on the next tick");
        }
      }
      // A post of this digest still waiting to be sent (the platform failing, a long 429) was planned from the digest
      // before this change: it is corrected once it is sent, so the request waits for it.
      const unsent = new Set([...unsentAtStart, ...(await unsentRuns(storage.db, request.digestDate))]);
      if (again.size > 0 || skippedLater || unsent.size > 0) {
        waiting = true;
        waitingFor.set(requestKey, { again, unsent, skippedLater });
      } else {
        waitingFor.delete(requestKey);
        await store.clearRequest(request.digestDate, request.dueAt);
      }
    }
    return waiting;
  }

  /** Waits, if needed, so a target gets at most `editsPerMinute` edits/deletes per minute. False when stopping. */
  async function paceEdit(publisher: Publisher, targetId: string): Promise<boolean> {
    const limit = publisher.editsPerMinute;
    if (!limit) return true;
    // Topics of one Telegram chat share the chat's edit budget (Telegram counts per chat).
    const limits: Partial<Record<Platform, PlatformLimits>> = PLATFORM_LIMITS;
    const key = `${publisher.platform}:${limits[publisher.platform]?.budgetOf?.(targetId) ?? targetId}`;
    const now = Date.now();
    const recent = (recentEdits.get(key) ?? []).filter((t) => now - t < EDIT_BUDGET_WINDOW_MS);
    if (recent.length >= limit) {
      const wait = recent[recent.length - limit]! + EDIT_BUDGET_WINDOW_MS - now;
      logger.info({ platform: publisher.platform, target: targetId, waitMs: wait, limit }, "edit budget used up; waiting");
      if (!(await deps.sleep(wait))) return false;
    }
    recent.push(Date.now());
    recentEdits.set(key, recent);
    return true;
  }

  async function flushTarget(platform: Platform, targetId: string) {
    const publisher = publishers.get(platform);
    if (!publisher) return;
    for (const part of await store.openParts(platform, targetId)) {
      if (deps.signal.aborted) return;
      if (part.operation !== "send" && !(await paceEdit(publisher, targetId))) return;
      const outcome = await sendParts(operationFor(publisher), [part], deps);
      if (outcome.type === "permanent") {
        // This message cannot be corrected (deleted, too old, no permission): recorded, the others go on.
        logger.warn({ revisionId: part.runId, platform, target: targetId, part: part.partIndex + 1, operation: part.operation, reason: outcome.error }, "part could not be corrected");
        continue;
      }
      if (outcome.type !== "done") return; // Pending (retried next tick), another process has it, or stopping.
    }
  }

  return {
    async noteChange(change) {
      if (!config.EDIT_ON_REVISION || change.type !== "upsert" || !change.previous) return;
      const now = clock();
      const dueAt = new Date(now.getTime() + quietMs).toISOString();
      try {
        await store.request(change.digest.date, dueAt, now.toISOString());
        arm(dueAt);
      } catch (err) {
        logger.error({ err, date: change.digest.date }, "could not record the digest change; its posts are not corrected");
      }
    },
    async tick() {
      if (!config.EDIT_ON_REVISION) return;
      // A second round plans what waited behind a revision the first round finished.
      for (let round = 0; round < 2; round++) {
        const waiting = await planDue();
        for (const { platform, targetId } of await store.targetsWithOpenParts()) {
          if (deps.signal.aborted) return;
          await flushTarget(platform, targetId);
        }
        if (!waiting) break;
      }
      // Requests still in their quiet period get a timer; due ones left waiting are retried by the minute tick.
      const next = await store.nextDue();
      if (next && !timer && Date.parse(next) > clock().getTime()) arm(next);
    },
    async start() {
      if (!config.EDIT_ON_REVISION) return;
      const next = await store.nextDue();
      if (next) arm(next);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
