// The telegram_updates table: which webhook update ids were claimed, so instances behind one load balancer answer each once.
import type { Kysely } from "kysely";
import type { StateTables } from "./schema.js";

/** A claimed update id is remembered this long (Telegram keeps an undelivered update for at most 24 hours). */
export const TELEGRAM_UPDATE_TTL_MS = 48 * 3_600_000;
/** A claim not marked done after this long is taken again: its instance died while handling it. */
export const TELEGRAM_UPDATE_STALE_MS = 120_000;
/** Expired rows are deleted at most this often per process, on a claim. */
export const TELEGRAM_UPDATE_CLEANUP_MS = 600_000;

/** `handle`: this caller claimed it and must handle it; `done`: handled already; `busy`: another instance is handling it now. */
export type TelegramUpdateClaim = "handle" | "done" | "busy";

export interface TelegramUpdateStore {
  /** Claims `updateId` of bot `botId` in one atomic write: of two instances claiming it at once, one gets `handle`. */
  claim(botId: string, updateId: number): Promise<TelegramUpdateClaim>;
  /** Marks a claimed update handled, so a re-delivery is acknowledged and not handled again. */
  markDone(botId: string, updateId: number): Promise<void>;
}

/**
 * The webhook update ids of a state database (either dialect). A claim whose instance died before it was marked done
 * is taken again after {@link TELEGRAM_UPDATE_STALE_MS}, so a crash mid-update does not lose the update.
 *
 * @example
 * const updates = createTelegramUpdateStore(db);
 * if ((await updates.claim("123", update.update_id)) === "handle") { await handle(update); await updates.markDone("123", update.update_id); }
 */
export function createTelegramUpdateStore(db: Kysely<StateTables>, options: { clock?: () => Date } = {}): TelegramUpdateStore {
  const clock = options.clock ?? (() => new Date());
  let lastCleanup = -Infinity;
  return {
    async claim(botId, updateId) {
      const now = clock();
      if (now.getTime() - lastCleanup >= TELEGRAM_UPDATE_CLEANUP_MS) {
        lastCleanup = now.getTime();
        await db.deleteFrom("telegram_updates").where("claimed_at", "<", new Date(now.getTime() - TELEGRAM_UPDATE_TTL_MS).toISOString()).execute();
      }
      const inserted = await db
        .insertInto("telegram_updates")
        .values({ bot_id: botId, update_id: updateId, claimed_at: now.toISOString(), done: 0 })
        .onConflict((oc) => oc.columns(["bot_id", "update_id"]).doNothing())
        .returning("update_id")
        .executeTakeFirst();
      if (inserted) return "handle";
      const retaken = await db
        .updateTable("telegram_updates")
        .set({ claimed_at: now.toISOString() })
        .where("bot_id", "=", botId)
        .where("update_id", "=", updateId)
        .where("done", "=", 0)
        .where("claimed_at", "<", new Date(now.getTime() - TELEGRAM_UPDATE_STALE_MS).toISOString())
        .executeTakeFirst();
      if (Number(retaken.numUpdatedRows) === 1) return "handle";
      const row = await db
        .selectFrom("telegram_updates")
        .select("done")
        .where("bot_id", "=", botId)
        .where("update_id", "=", updateId)
        .executeTakeFirst();
      // Deleted as expired in between: it is far older than any re-delivery, so handled.
      return !row || Number(row.done) === 1 ? "done" : "busy";
    },
    async markDone(botId, updateId) {
      await db.updateTable("telegram_updates").set({ done: 1 }).where("bot_id", "=", botId).where("update_id", "=", updateId).execute();
    },
  };
}
