// Scheduled slots skipped because no story matched a subscription's keywords, and turning one into a delivery when a revision makes a story match.
import type { Kysely } from "kysely";
import type { PostOptions } from "../delivery/post-options.js";
import type { Platform } from "../reply.js";
import { deliveryRows } from "./plan-runs.js";
import type { StateTables } from "./schema.js";
import type { StorageDialect } from "./types.js";

/** A scheduled slot that sent nothing because nothing matched, and is still its target's latest scheduled slot. */
export interface SkippedDay {
  runId: string;
  platform: Platform;
  targetId: string;
  slot: string;
  digestDate: string;
  /** The effective options the slot was judged with (its keywords); the day is sent with the subscription's options of the time it is sent. */
  options?: PostOptions;
}

/**
 * The skipped slots of a digest whose note starts with `notePrefix` (no story matched), one per target: the target's
 * latest scheduled slot only, so a day is never sent after a later slot planned or skipped something else, and of
 * several slots of the same day skipped for the same reason, only the last one is sent.
 */
export async function skippedDays(db: Kysely<StateTables>, digestDate: string, notePrefix: string): Promise<SkippedDay[]> {
  const rows = await db
    .selectFrom("runs as r")
    .select(["r.run_id", "r.platform", "r.target_id", "r.slot", "r.options"])
    .where("r.digest_date", "=", digestDate)
    .where("r.kind", "=", "scheduled")
    .where("r.outcome", "=", "skipped")
    .where("r.note", "like", `${notePrefix}%`)
    .where("r.slot", "is not", null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("runs as later")
            .select("later.run_id")
            .whereRef("later.platform", "=", "r.platform")
            .whereRef("later.target_id", "=", "r.target_id")
            .where("later.kind", "=", "scheduled")
            .whereRef("later.slot", ">", "r.slot"),
        ),
      ),
    )
    .execute();
  return rows.map((r) => {
    const day: SkippedDay = { runId: r.run_id, platform: r.platform as Platform, targetId: r.target_id, slot: r.slot!, digestDate };
    if (r.options !== null) day.options = JSON.parse(r.options) as PostOptions;
    return day;
  });
}

/**
 * Turns a skipped slot into its delivery: the run becomes a planned one (same id and slot, with the sections and
 * options it is planned with, which corrections re-plan it with) with its parts pending, in one transaction, only if
 * it is still skipped and still the target's latest scheduled slot. False when another instance or an earlier tick
 * did it first, or a later slot was planned or skipped since the day was read: a day is sent once, and never after
 * a later slot. On PostgreSQL the subscription's row is locked first (FOR UPDATE), so a slot planned at the same
 * moment elsewhere (which reads it FOR SHARE, plan-runs.ts) commits wholly before or after this, and each sees the other.
 */
export async function planSkippedDay(
  db: Kysely<StateTables>,
  dialect: StorageDialect,
  day: SkippedDay,
  plan: { sections: number[] | "all"; options?: PostOptions | undefined; payloads: unknown[]; operations?: readonly ("send" | "pin")[]; now: string },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (dialect === "postgres") {
      await trx.selectFrom("subscriptions").select("target_id").where("platform", "=", day.platform).where("target_id", "=", day.targetId).forUpdate().execute();
    }
    const later = await trx
      .selectFrom("runs")
      .select("run_id")
      .where("platform", "=", day.platform)
      .where("target_id", "=", day.targetId)
      .where("kind", "=", "scheduled")
      .where("slot", ">", day.slot)
      .executeTakeFirst();
    if (later) return false;
    const updated = await trx
      .updateTable("runs")
      .set({ outcome: "planned", note: null, sections: JSON.stringify(plan.sections), options: plan.options ? JSON.stringify(plan.options) : null, created_at: plan.now })
      .where("run_id", "=", day.runId)
      .where("platform", "=", day.platform)
      .where("target_id", "=", day.targetId)
      .where("outcome", "=", "skipped")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    const run = { runId: day.runId, kind: "scheduled" as const, digestDate: day.digestDate, platform: day.platform, targetId: day.targetId, payloads: plan.payloads, now: plan.now };
    await trx.insertInto("deliveries").values(deliveryRows(plan.operations ? { ...run, operations: plan.operations } : run)).execute();
    return true;
  });
}
