// What a subscription takes along when its group moves to a new id (a Telegram group upgraded to a supergroup): its recent slot claims and posts, and the parts they had left to send.
import type { ExpressionBuilder, Kysely, Transaction } from "kysely";
import { runOrder } from "./ledger-store.js";
import { OPEN } from "./open-parts.js";
import { idempotencyKey } from "./part-keys.js";
import type { RunsTable, StateTables } from "./schema.js";
import type { StorageDialect } from "./types.js";

/**
 * How far back slot claims are carried. The scheduler only ever looks at a target's latest slot, and posts a digest
 * only when that slot is at most DELIVERY_DEADLINE_HOURS old and the digest's day ended at most that long before it
 * (planning.ts), so the old id's post of a digest it could post again is at most its day, twice the deadline and a
 * day of time zones old: a week covers deadlines up to 60 h (the default is 12 h). The latest claim is carried
 * whatever its age (a monthly schedule's last slot is the one its next tick reads). Older history stays behind.
 */
export const CARRIED_SLOTS_MS = 7 * 86_400_000;

/** Rows per INSERT: well under either backend's bound parameters (14 columns a row). */
const ROWS_PER_STATEMENT = 500;

/**
 * In the move's transaction: records at `to` the scheduled runs of `from` of the last CARRIED_SLOTS_MS (and its
 * latest), same run ids, slots and outcomes, marked `moved_from`, so the slot is taken and the day's digest
 * delivered at the new id (and its reposts and manual posts of that window, created since: /status tells them
 * there, and the old id's posts are known to have moved, for corrections); and skips (for `skipReason`) each open part of them (pending or in flight) at `from`,
 * giving it to the new id, pending, with its own idempotency key — never a message sent at the old id, which the
 * new chat does not have: a pin part goes only with the header it pins. A claim the new id already has for that
 * slot stays as it is, and that run's parts are not carried. The move skips the other open parts of `from` after.
 * Parts that `from` refused with an error naming the move (`refusedWith`: Telegram's answer to a send that met the
 * upgraded group before the bot saw the notice), and the ones skipped there for that error, are carried too.
 */
export async function carryRunsOf(
  trx: Transaction<StateTables>,
  dialect: StorageDialect,
  move: { platform: string; from: string; to: string; now: string; skipReason: string; refusedWith?: string | undefined },
): Promise<void> {
  const { platform, from, to, now, skipReason, refusedWith } = move;
  const ofFrom = () => trx.selectFrom("runs").where("platform", "=", platform).where("target_id", "=", from);
  const latest = await ofFrom().where("kind", "=", "scheduled").where("slot", "is not", null).select((eb) => eb.fn.max("slot").as("slot")).executeTakeFirst();
  const cutoff = new Date(Date.parse(now) - CARRIED_SLOTS_MS).toISOString();
  const since = latest?.slot && latest.slot < cutoff ? latest.slot : cutoff;
  // Reposts and manual posts of the window too: /status at the new id tells them, one cut off is finished there,
  // and a group whose posts were only those is known to have moved (withNoMessageLeftBehind) — not corrected.
  const runs = await ofFrom()
    .select(["run_id", "kind", "digest_date", "section_index", "slot", "outcome", "note", "requested_by", "created_at", "sections", "options"])
    .where((eb) =>
      eb.or([
        eb.and([eb("kind", "=", "scheduled"), eb("slot", "is not", null), eb("slot", ">=", since)]),
        eb.and([eb("kind", "<>", "scheduled"), eb("created_at", ">=", cutoff)]),
      ]),
    )
    .orderBy(runOrder(dialect))
    .execute();
  if (runs.length === 0) return;
  const carried: string[] = [];
  for (let i = 0; i < runs.length; i += ROWS_PER_STATEMENT) {
    const rows = runs.slice(i, i + ROWS_PER_STATEMENT).map((r) => ({ ...r, platform, target_id: to, moved_from: from }));
    const inserted = await trx.insertInto("runs").values(rows).onConflict((oc) => oc.doNothing()).returning("run_id").execute();
    carried.push(...inserted.map((r) => r.run_id));
  }
  for (let i = 0; i < carried.length; i += ROWS_PER_STATEMENT) {
    // Skipped here and given to the new id in one step: exactly the parts this transaction turned from open to
    // skipped (on PostgreSQL the update re-reads a row a sender marked sent meanwhile, and leaves it, not carried).
    const open = await trx
      .updateTable("deliveries")
      .set({ status: "skipped", last_error: skipReason, updated_at: now })
      .where("platform", "=", platform)
      .where("target_id", "=", from)
      .where("run_id", "in", carried.slice(i, i + ROWS_PER_STATEMENT))
      .where("status", "in", OPEN)
      .returningAll()
      .execute();
    if (refusedWith !== undefined) {
      // Refused by the old chat before the move (the platform saying it moved), and what was dropped after it there.
      const refused = await trx
        .selectFrom("deliveries")
        .selectAll()
        .where("platform", "=", platform)
        .where("target_id", "=", from)
        .where("run_id", "in", carried.slice(i, i + ROWS_PER_STATEMENT))
        .where("status", "in", ["failed-permanent", "skipped"])
        .execute();
      open.push(...refused.filter((p) => p.last_error?.includes(refusedWith)));
    }
    const goes = new Set(open.filter((p) => p.operation !== "pin").map((p) => `${p.run_id}\u0000${p.part_index}`));
    const pinned = (payload: string) => (JSON.parse(payload) as { pin?: number }).pin ?? 0;
    const parts = open
      .filter((p) => p.operation !== "pin" || goes.has(`${p.run_id}\u0000${pinned(p.payload)}`))
      .map((p) => ({
        run_id: p.run_id,
        kind: p.kind,
        digest_date: p.digest_date,
        platform,
        target_id: to,
        part_index: p.part_index,
        part_count: p.part_count,
        payload: p.payload,
        payload_hash: p.payload_hash,
        idempotency_key: idempotencyKey(p.run_id, platform, to, Number(p.part_index)),
        operation: p.operation,
        created_at: now,
        updated_at: now,
      }));
    if (parts.length > 0) await trx.insertInto("deliveries").values(parts).onConflict((oc) => oc.doNothing()).execute();
  }
}

/**
 * For a read of `runs as r` (revision-store.ts `deliveredRuns`): true for the runs with no message in the chat of a
 * group that moved to a new id. A correction of such a post is planned nowhere: the old chat refuses every call
 * (Telegram answers "group chat was upgraded to a supergroup chat"), and the new chat does not have those messages
 * (a revision would edit its own later messages as if they were the post's first ones). So not the runs of a target
 * something moved away from, nor a carried run of which some message was sent at the old id; a carried run sent
 * wholly at the new id (the move came before its first message) is corrected there like any other.
 */
export function withNoMessageLeftBehind(eb: ExpressionBuilder<StateTables & { r: RunsTable }, "r">) {
  const sentAtOldId = eb
    .selectFrom("deliveries as d")
    .select("d.run_id")
    .whereRef("d.run_id", "=", "r.run_id")
    .whereRef("d.platform", "=", "r.platform")
    .whereRef("d.target_id", "=", "r.moved_from")
    .where("d.operation", "=", "send")
    .where("d.status", "=", "sent");
  const movedAway = eb.selectFrom("runs as moved").select("moved.run_id").whereRef("moved.platform", "=", "r.platform").whereRef("moved.moved_from", "=", "r.target_id");
  return eb.and([eb.not(eb.exists(movedAway)), eb.or([eb("r.moved_from", "is", null), eb.not(eb.exists(sentAtOldId))])]);
}

/** withNoMessageLeftBehind for one run at one target: false too when there is no such run. */
export async function leftNoMessageBehind(db: Kysely<StateTables> | Transaction<StateTables>, run: { runId: string; platform: string; targetId: string }): Promise<boolean> {
  const row = await db
    .selectFrom("runs as r")
    .select("r.run_id")
    .where("r.run_id", "=", run.runId)
    .where("r.platform", "=", run.platform)
    .where("r.target_id", "=", run.targetId)
    .where((eb) => withNoMessageLeftBehind(eb))
    .executeTakeFirst();
  return row !== undefined;
}
