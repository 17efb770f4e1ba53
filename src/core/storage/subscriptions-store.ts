// Subscriptions table: where the daily post goes, with filters, schedule overrides and why a target is disabled.
import type { Kysely, Selectable } from "kysely";
import { applyOptionsPatch } from "../delivery/effective-options.js";
import { carryRunsOf } from "./carry-runs.js";
import type { PostOptions } from "../delivery/post-options.js";
import type { Platform } from "../reply.js";
import { skipOpenPartsOf } from "./open-parts.js";
import type { StateTables, SubscriptionsTable } from "./schema.js";
import type { StorageDialect, Subscription, SubscriptionStore } from "./types.js";

function toSubscription(r: Selectable<SubscriptionsTable>): Subscription {
  const s: Subscription = {
    platform: r.platform as Platform,
    targetId: r.target_id,
    enabled: Number(r.enabled) === 1,
    source: r.source === "settings" ? "settings" : "command",
    createdAt: r.created_at,
  };
  const problems: string[] = [];
  /** A damaged column fails its own subscription's planning (with the reason), not every read of the table. */
  const read = <T>(column: string, text: string): T | undefined => {
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      problems.push(`its stored ${column} could not be read (${err instanceof Error ? err.message : String(err)})`);
      return undefined;
    }
  };
  if (r.sections !== null) {
    const sections = read<number[]>("sections", r.sections);
    if (sections !== undefined) s.sections = sections;
  }
  if (r.cron !== null) s.cron = r.cron;
  if (r.timezone !== null) s.timezone = r.timezone;
  if (r.disabled_reason !== null) s.disabledReason = r.disabled_reason;
  if (r.options !== null && r.options !== undefined) {
    const options = read<PostOptions>("options", r.options);
    if (options !== undefined) s.options = options;
  }
  if (r.pinned_message_id !== null && r.pinned_message_id !== undefined) s.pinnedMessageId = r.pinned_message_id;
  if (problems.length > 0) s.problem = problems.join("; ");
  return s;
}

/** The subscriptions of a state database (either dialect). */
export function createSubscriptionStore(db: Kysely<StateTables>, dialect: StorageDialect = "sqlite"): SubscriptionStore {
  const one = (platform: Platform, targetId: string) =>
    db.updateTable("subscriptions").where("platform", "=", platform).where("target_id", "=", targetId);
  return {
    async list() {
      const rows = await db.selectFrom("subscriptions").selectAll().orderBy("created_at").orderBy("platform").orderBy("target_id").execute();
      return rows.map(toSubscription);
    },
    async get(platform, targetId) {
      const r = await db
        .selectFrom("subscriptions")
        .selectAll()
        .where("platform", "=", platform)
        .where("target_id", "=", targetId)
        .executeTakeFirst();
      return r && toSubscription(r);
    },
    async ensureSettingsTarget(platform, targetId, now) {
      const result = await db
        .insertInto("subscriptions")
        .values({ platform, target_id: targetId, source: "settings", created_at: now, updated_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async upsert(platform, targetId, sections, now) {
      await db
        .insertInto("subscriptions")
        .values({
          platform,
          target_id: targetId,
          sections: sections ? JSON.stringify(sections) : null,
          source: "command",
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(["platform", "target_id"]).doUpdateSet((eb) => ({
            sections: eb.ref("excluded.sections"),
            enabled: 1,
            disabled_reason: null,
            updated_at: eb.ref("excluded.updated_at"),
          })),
        )
        .execute();
    },
    async setSchedule(platform, targetId, cronExpr, timezone, now) {
      await one(platform, targetId).set({ cron: cronExpr ?? null, timezone: timezone ?? null, updated_at: now }).execute();
    },
    async disable(platform, targetId, reason, now) {
      await one(platform, targetId).set({ enabled: 0, disabled_reason: reason, updated_at: now }).execute();
    },
    async setOptions(platform, targetId, patch, now) {
      // Read and write in one transaction: two admins changing different options at once both keep their change.
      return db.transaction().execute(async (trx) => {
        const select = trx.selectFrom("subscriptions").select("options").where("platform", "=", platform).where("target_id", "=", targetId);
        // SQLite has one writer (the transaction holds it); PostgreSQL locks the row.
        const row = await (dialect === "postgres" ? select.forUpdate() : select).executeTakeFirst();
        if (!row) return false;
        const next = applyOptionsPatch(row.options ? (JSON.parse(row.options) as PostOptions) : undefined, patch);
        await trx
          .updateTable("subscriptions")
          .set({ options: next ? JSON.stringify(next) : null, updated_at: now })
          .where("platform", "=", platform)
          .where("target_id", "=", targetId)
          .execute();
        return next;
      });
    },
    async setPinned(platform, targetId, messageId, now) {
      await one(platform, targetId).set({ pinned_message_id: messageId ?? null, updated_at: now }).execute();
    },
    async remove(platform, targetId) {
      const result = await db
        .deleteFrom("subscriptions")
        .where("platform", "=", platform)
        .where("target_id", "=", targetId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async unsubscribe(platform, targetId, reason, now) {
      return db.transaction().execute(async (trx) => {
        const select = trx.selectFrom("subscriptions").selectAll().where("platform", "=", platform).where("target_id", "=", targetId);
        const row = await (dialect === "postgres" ? select.forUpdate() : select).executeTakeFirst();
        if (!row) return undefined;
        // A settings target would come back on the next start if deleted: it is kept, disabled, with the reason.
        if (row.source === "settings") {
          await trx
            .updateTable("subscriptions")
            .set({ enabled: 0, disabled_reason: reason, updated_at: now })
            .where("platform", "=", platform)
            .where("target_id", "=", targetId)
            .execute();
        } else {
          await trx.deleteFrom("subscriptions").where("platform", "=", platform).where("target_id", "=", targetId).execute();
        }
        // With the unsubscribe, not after it: a sender elsewhere never finds the target gone and parts still open for it.
        await skipOpenPartsOf(trx, "deliveries", platform, targetId, reason, now);
        await skipOpenPartsOf(trx, "revision_parts", platform, targetId, reason, now);
        return toSubscription(row);
      });
    },
    async move(platform, from, to, now, skipReason, refusedWith) {
      return db.transaction().execute(async (trx) => {
        // Both rows, in id order as a planning batch locks them (plan-runs.ts): one of both ids and this never deadlock.
        const select = trx.selectFrom("subscriptions").selectAll().where("platform", "=", platform).where("target_id", "in", [from, to]).orderBy("target_id");
        const row = (await (dialect === "postgres" ? select.forUpdate() : select).execute()).find((r) => r.target_id === from);
        if (!row) return false;
        // The pinned header stays behind: it is a message of the old chat, which the new id cannot unpin.
        const moved = {
          sections: row.sections,
          cron: row.cron,
          timezone: row.timezone,
          options: row.options ?? null,
          // As a new /subscribe would: a target disabled for the old id (Telegram refused it as upgraded) is good again.
          enabled: 1,
          disabled_reason: null,
          source: row.source,
          updated_at: now,
        };
        await trx
          .insertInto("subscriptions")
          .values({ platform, target_id: to, created_at: row.created_at, ...moved })
          .onConflict((oc) => oc.columns(["platform", "target_id"]).doUpdateSet({ ...moved, pinned_message_id: null }))
          .execute();
        await trx.deleteFrom("subscriptions").where("platform", "=", platform).where("target_id", "=", from).execute();
        // The new id has the day's post, or what is left of it to send (those parts skipped at the old id).
        await carryRunsOf(trx, dialect, { platform, from, to, now, skipReason, refusedWith });
        // With the move, not after it: a sender elsewhere never finds the subscription moved and parts still open at the old id.
        await skipOpenPartsOf(trx, "deliveries", platform, from, skipReason, now);
        await skipOpenPartsOf(trx, "revision_parts", platform, from, skipReason, now);
        return true;
      });
    },
  };
}
