// Subscriptions table: where the daily post goes, with filters, schedule overrides and why a target is disabled.
import type { Kysely, Selectable } from "kysely";
import type { Platform } from "../reply.js";
import type { StateTables, SubscriptionsTable } from "./schema.js";
import type { Subscription, SubscriptionStore } from "./types.js";

function toSubscription(r: Selectable<SubscriptionsTable>): Subscription {
  const s: Subscription = {
    platform: r.platform as Platform,
    targetId: r.target_id,
    enabled: Number(r.enabled) === 1,
    source: r.source === "settings" ? "settings" : "command",
    createdAt: r.created_at,
  };
  if (r.sections !== null) s.sections = JSON.parse(r.sections) as number[];
  if (r.cron !== null) s.cron = r.cron;
  if (r.timezone !== null) s.timezone = r.timezone;
  if (r.disabled_reason !== null) s.disabledReason = r.disabled_reason;
  return s;
}

/** The subscriptions of a state database (either dialect). */
export function createSubscriptionStore(db: Kysely<StateTables>): SubscriptionStore {
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
    async remove(platform, targetId) {
      const result = await db
        .deleteFrom("subscriptions")
        .where("platform", "=", platform)
        .where("target_id", "=", targetId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
