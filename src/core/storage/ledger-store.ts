// Runs and their planned parts (the delivery ledger): planning, reading what is open, recording outcomes, pending runs.
import { sql, type Kysely, type Selectable } from "kysely";
import type { Platform } from "../reply.js";
import type { DeliveriesTable, StateTables } from "./schema.js";
import type { PostOptions } from "../delivery/post-options.js";
import { OPEN, skipOpenPartsOf } from "./open-parts.js";
import { planRunsAtOnce, readSlotStates } from "./plan-runs.js";
import { createSentMarks, type SentMarks } from "./sent-marks.js";
import type { LedgerStore, PartKey, PartRow, PartStatus, PendingRun, RunKind, RunSummary, StorageDialect } from "./types.js";


/** Planning order of runs: SQLite's implicit rowid, PostgreSQL's `seq` (it has no rowid). */
export const runOrder = (dialect: StorageDialect, alias = "runs") => sql.raw(`${alias}.${dialect === "sqlite" ? "rowid" : "seq"}`);

export function toPart(r: Selectable<DeliveriesTable>): PartRow {
  const p: PartRow = {
    runId: r.run_id,
    kind: r.kind as RunKind,
    digestDate: r.digest_date,
    platform: r.platform as Platform,
    targetId: r.target_id,
    partIndex: Number(r.part_index),
    partCount: Number(r.part_count),
    status: r.status as PartStatus,
    attempts: Number(r.attempts),
    payload: JSON.parse(r.payload) as unknown,
    idempotencyKey: r.idempotency_key,
  };
  if (r.message_id !== null) p.messageId = r.message_id;
  if (r.last_error !== null) p.lastError = r.last_error;
  if (r.claimed_by !== null) p.claimedBy = r.claimed_by;
  if (r.lease_expires_at !== null) p.leaseExpiresAt = r.lease_expires_at;
  if (r.created_at) p.createdAt = r.created_at;
  if (r.possible_duplicates !== undefined && Number(r.possible_duplicates) > 0) p.possibleDuplicates = Number(r.possible_duplicates);
  // A message part keeps the default (no field), as before parts had operations.
  if (r.operation === "pin") p.operation = "pin";
  return p;
}

/** A run's parts as its outcome counts them: a pin that failed for good does not make a delivered post a failure. */
function aggregate(outcome: string, parts: { status: string; operation?: string }[]): RunSummary["status"] {
  const statuses = parts.filter((p) => !(p.operation === "pin" && p.status === "failed-permanent")).map((p) => p.status);
  if (outcome === "skipped") return "skipped";
  if (statuses.some((s) => s === "failed-permanent")) return "failed";
  if (statuses.some((s) => s === "pending" || s === "in-flight")) return "pending";
  if (statuses.length > 0 && statuses.every((s) => s === "skipped")) return "skipped";
  return "sent";
}

/** The ledger of a state database (either dialect); `marks` are shared with the deliveries' lease store (group commit). */
export function createLedgerStore(db: Kysely<StateTables>, dialect: StorageDialect, marks: SentMarks = createSentMarks(db, { group: dialect === "sqlite" })): LedgerStore {
  const part = (key: PartKey) =>
    db
      .updateTable("deliveries")
      .where("run_id", "=", key.runId)
      .where("platform", "=", key.platform)
      .where("target_id", "=", key.targetId)
      .where("part_index", "=", key.partIndex);
  return {
    planRun: async (run) => (await planRunsAtOnce(db, dialect, [run]))[0] === "planned",
    planRuns: (runs) => planRunsAtOnce(db, dialect, runs),
    async skipSlot(run) {
      await db
        .insertInto("runs")
        .values({
          run_id: run.runId,
          kind: "scheduled",
          platform: run.platform,
          target_id: run.targetId,
          digest_date: run.digestDate ?? null,
          slot: run.slot,
          outcome: "skipped",
          note: run.note,
          created_at: run.now,
          options: run.options ? JSON.stringify(run.options) : null,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    slotStates: (items, digestDate) => readSlotStates(db, items, digestDate),
    async openParts(platform, targetId) {
      const rows = await db
        .selectFrom("deliveries as d")
        .innerJoin("runs as r", (j) =>
          j.onRef("r.run_id", "=", "d.run_id").onRef("r.platform", "=", "d.platform").onRef("r.target_id", "=", "d.target_id"),
        )
        .selectAll("d")
        .where("d.platform", "=", platform)
        .where("d.target_id", "=", targetId)
        .where("d.status", "in", OPEN)
        .orderBy(runOrder(dialect, "r"))
        .orderBy("d.part_index")
        .execute();
      return rows.map(toPart);
    },
    async targetsWithOpenParts() {
      // Oldest open work first, the same order on both backends.
      const rows = await db
        .selectFrom("deliveries as d")
        .innerJoin("runs as r", (j) =>
          j.onRef("r.run_id", "=", "d.run_id").onRef("r.platform", "=", "d.platform").onRef("r.target_id", "=", "d.target_id"),
        )
        .select(["d.platform", "d.target_id"])
        .where("d.status", "in", OPEN)
        .groupBy(["d.platform", "d.target_id"])
        .orderBy(sql`min(${runOrder(dialect, "r")})`)
        .execute();
      return rows.map((r) => ({ platform: r.platform as Platform, targetId: r.target_id }));
    },
    async runParts(runId, target) {
      let query = db.selectFrom("deliveries").selectAll().where("run_id", "=", runId);
      if (target) query = query.where("platform", "=", target.platform).where("target_id", "=", target.targetId);
      const rows = await query
        .orderBy("platform")
        .orderBy("target_id")
        .orderBy("part_index")
        .execute();
      return rows.map(toPart);
    },
    async previousMessageId(key) {
      if (key.partIndex === 0) return undefined;
      const r = await db
        .selectFrom("deliveries")
        .select("message_id")
        .where("run_id", "=", key.runId)
        .where("platform", "=", key.platform)
        .where("target_id", "=", key.targetId)
        .where("part_index", "<", key.partIndex)
        .where("operation", "=", "send")
        .orderBy("part_index", "desc")
        .limit(1)
        .executeTakeFirst();
      return r?.message_id ?? undefined;
    },
    async earlierMessageIds(key) {
      if (key.partIndex === 0) return [];
      const rows = await db
        .selectFrom("deliveries")
        .select("message_id")
        .where("run_id", "=", key.runId)
        .where("platform", "=", key.platform)
        .where("target_id", "=", key.targetId)
        .where("part_index", "<", key.partIndex)
        .where("operation", "=", "send")
        .where("status", "=", "sent")
        .orderBy("part_index")
        .execute();
      return rows.flatMap((r) => (r.message_id === null ? [] : [r.message_id]));
    },
    async messageIdOf(key) {
      const r = await db
        .selectFrom("deliveries")
        .select(["message_id", "status"])
        .where("run_id", "=", key.runId)
        .where("platform", "=", key.platform)
        .where("target_id", "=", key.targetId)
        .where("part_index", "=", key.partIndex)
        .executeTakeFirst();
      return r?.status === "sent" ? (r.message_id ?? undefined) : undefined;
    },
    async notePossibleDuplicate(key, now) {
      await part(key)
        .set((eb) => ({ possible_duplicates: eb("possible_duplicates", "+", 1), updated_at: now }))
        .execute();
    },
    async possibleDuplicates(target) {
      let query = db.selectFrom("deliveries").select((eb) => eb.fn.sum<number | string | null>("possible_duplicates").as("n"));
      if (target) query = query.where("platform", "=", target.platform).where("target_id", "=", target.targetId);
      const r = await query.executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    markSent: (key, messageId, now, options) => marks.add(key, messageId, now, options?.withNextClaim ?? false),
    groupsSentMarks: marks.groups,
    async markFailed(key, status, error, now) {
      // Not over a part skipped meanwhile (its target unsubscribed while it was sent): that one is not retried.
      await part(key).set({ status, last_error: error, updated_at: now }).where("status", "in", OPEN).execute();
    },
    skipOpenParts: (platform, targetId, reason, now) => skipOpenPartsOf(db, "deliveries", platform, targetId, reason, now),
    async lastRun(platform, targetId) {
      const run = await db
        .selectFrom("runs")
        .select(["run_id", "kind", "digest_date", "outcome", "note", "created_at", "options", "moved_from"])
        .where("platform", "=", platform)
        .where("target_id", "=", targetId)
        .orderBy("created_at", "desc")
        .orderBy(runOrder(dialect), "desc")
        .limit(1)
        .executeTakeFirst();
      if (!run) return undefined;
      const rows = await db
        .selectFrom("deliveries")
        .select(["status", "last_error", "operation", "part_index", "target_id"])
        .where("run_id", "=", run.run_id)
        .where("platform", "=", platform)
        .where("target_id", "in", run.moved_from === null ? [targetId] : [targetId, run.moved_from])
        .orderBy("part_index")
        .execute();
      // A run carried from the id its group had before (carry-runs.ts): the parts sent or refused there count, each
      // part once — the one the new id has in place of the old one's skipped copy.
      const here = new Set(rows.filter((p) => p.target_id === targetId).map((p) => Number(p.part_index)));
      const parts = rows.filter((p) => p.target_id === targetId || !here.has(Number(p.part_index)));
      const summary: RunSummary = {
        runId: run.run_id,
        kind: run.kind as RunKind,
        outcome: run.outcome === "skipped" ? "skipped" : "planned",
        createdAt: run.created_at,
        status: aggregate(run.outcome, parts),
      };
      if (run.digest_date !== null) summary.digestDate = run.digest_date;
      if (run.note !== null) summary.note = run.note;
      if (run.options !== null) summary.options = JSON.parse(run.options) as PostOptions;
      const error = parts.find((p) => p.last_error !== null && p.operation !== "pin")?.last_error ?? run.note;
      if (error && summary.status !== "sent") summary.lastError = error;
      const pin = parts.find((p) => p.operation === "pin" && p.status === "failed-permanent");
      if (pin) summary.pinError = pin.last_error ?? "not pinned";
      return summary;
    },
    async pendingRuns() {
      const rows = await db
        .selectFrom("deliveries as d")
        .innerJoin("runs as r", (j) =>
          j.onRef("r.run_id", "=", "d.run_id").onRef("r.platform", "=", "d.platform").onRef("r.target_id", "=", "d.target_id"),
        )
        .select(["d.run_id", "d.kind", "d.digest_date", "d.platform", "d.target_id", "d.part_count", "d.last_error", "d.operation", "r.created_at", "r.requested_by"])
        .where("d.kind", "in", ["repost", "manual"])
        .where("d.status", "in", OPEN)
        .orderBy(runOrder(dialect, "r"))
        .orderBy("d.part_index")
        .execute();
      const runs = new Map<string, PendingRun>();
      for (const r of rows) {
        const key = `${r.run_id}\u0000${r.platform}\u0000${r.target_id}`;
        let run = runs.get(key);
        if (!run) {
          run = {
            runId: r.run_id,
            kind: r.kind as PendingRun["kind"],
            digestDate: r.digest_date,
            platform: r.platform as Platform,
            targetId: r.target_id,
            createdAt: r.created_at,
            open: 0,
            parts: Number(r.part_count),
          };
          if (r.requested_by !== null) run.requestedBy = r.requested_by;
          runs.set(key, run);
        }
        // Messages left: a pin part still to do is no message of its own.
        if (r.operation !== "pin") run.open++;
        if (run.lastError === undefined && r.last_error !== null) run.lastError = r.last_error;
      }
      const withPins = [...runs.values()].filter((run) => run.parts > 1);
      if (withPins.length > 0) {
        // The message count of a run with a pin part is its part count less that part.
        const pins = await db
          .selectFrom("deliveries")
          .select(["run_id", "platform", "target_id"])
          .where("operation", "=", "pin")
          .where("run_id", "in", [...new Set(withPins.map((run) => run.runId))])
          .execute();
        for (const p of pins) {
          const run = runs.get(`${p.run_id}\u0000${p.platform}\u0000${p.target_id}`);
          if (run) run.parts--;
        }
      }
      return [...runs.values()].filter((run) => run.open > 0);
    },
    async cancelRun(runId, reason, now) {
      const result = await db
        .updateTable("deliveries")
        .set({ status: "skipped", last_error: reason, updated_at: now })
        .where("run_id", "=", runId)
        .where("kind", "in", ["repost", "manual"])
        .where("status", "in", OPEN)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
