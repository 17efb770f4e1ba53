// Personal alerts' state: each user's /watch queries and the alert ledger (one row per user and story, sent once).
import { sql, type Kysely, type Selectable } from "kysely";
import type { Platform } from "../reply.js";
import { createAlertEditStore, type AlertEditStore } from "./alert-edit-store.js";
import { createLeaseStore } from "./lease-store.js";
import { OPEN } from "./open-parts.js";
import { hashPayload, idempotencyKey } from "./part-keys.js";
import type { StateTables, WatchAlertsTable } from "./schema.js";
import type { LeaseStore, LedgerStore, PartKey, PartRow, PartStatus, StorageDialect } from "./types.js";

/** Alerts that ended unsent: the one refused (the user blocked the bot), the ones given up with it or by /unwatch. */
const NEVER_SENT: PartStatus[] = ["failed-permanent", "skipped"];

/**
 * The identity of a watch query: `Sonnet`, `sonnet` and full-width `ｓｏｎｎｅｔ` are one watch (the search folds them
 * alike, so two of them could only ever match the same stories), and `/unwatch` finds it by any of these spellings.
 *
 * @example
 * watchQueryKey("ＧＰＴ  5") === watchQueryKey("gpt 5"); // true
 */
export function watchQueryKey(query: string): string {
  return query.normalize("NFKC").toLowerCase().trim().replace(/\s+/g, " ");
}

/** One /watch query of one user. */
export interface Watch {
  platform: Platform;
  userId: string;
  query: string;
  /** The language the user asked in (alert texts use it). */
  locale?: string;
  enabled: boolean;
  disabledReason?: string;
  createdAt: string;
}

/** What `add` did. `limit`: the user already has `limit` watches (nothing written). */
export type AddWatchResult = "added" | "exists" | "limit";

export interface PlanAlertInput {
  platform: Platform;
  userId: string;
  storyId: string;
  digestDate: string;
  query: string;
  payload: unknown;
  /** The "…and N more" count the payload tells (0 or absent: none). */
  more?: number;
  now: string;
}

/** An alert of one digest that is sent or still to send, in the order they were planned (the order they are sent). */
export interface DigestAlert {
  storyId: string;
  status: PartStatus;
  query: string;
  /** The "…and N more" count its message tells (0: none); null when unknown (sent before counts were recorded). */
  more: number | null;
  /** The count an edit of its sent message waiting to be made will tell; null when none waits. */
  editMore: number | null;
}

/** An alert row as the sender sees it: a part whose `runId` is the story id and `targetId` the user id. */
export type AlertPart = PartRow & { query: string; sentAt?: string };

export interface WatchStore extends AlertEditStore {
  /**
   * Adds a watch (the same query again is `exists`), refusing past `limit` per user, and re-enables the user's
   * watches that were disabled (a user who blocked the bot and comes back).
   */
  add(watch: { platform: Platform; userId: string; query: string; locale?: string }, limit: number, now: string): Promise<AddWatchResult>;
  /** The user's watches, oldest first (the numbers /watch shows and /unwatch takes). */
  list(platform: Platform, userId: string): Promise<Watch[]>;
  /** False when the user had no such watch (exact stored query). Its unsent alerts are given up (re-planned if another watch matches). */
  remove(platform: Platform, userId: string, query: string, now: string): Promise<boolean>;
  /** Every enabled watch, oldest first. */
  enabled(): Promise<Watch[]>;
  /** Disables every watch of a user who cannot be messaged, with the reason, and gives up their unsent alerts. */
  disableUser(platform: Platform, userId: string, reason: string, now: string): Promise<void>;
  /**
   * Records an alert, pending; false (nothing written) when this user already has one for this story. An alert given
   * up earlier (`failed-permanent`/`skipped`: the user was unreachable, or unwatched) is opened again: it was never sent, and a watch
   * matches it now.
   */
  planAlert(alert: PlanAlertInput): Promise<boolean>;
  /** A user's alerts of a digest that are sent or still to send, in planning order (the cap counts them; given-up ones do not). */
  digestAlerts(platform: Platform, userId: string, digestDate: string): Promise<DigestAlert[]>;
  /**
   * Replaces the payload of an alert still waiting (`pending`) with one planned from the story as it is now (a
   * revision changed it, or the count it tells); an alert claimed or sent is left as it is. True when the payload changed.
   */
  refreshAlert(alert: Omit<PlanAlertInput, "digestDate">): Promise<boolean>;
  /** Gives up a user's pending alerts of these stories (removed from their digest before the alert went out). */
  skipAlerts(platform: Platform, userId: string, storyIds: readonly string[], reason: string, now: string): Promise<void>;
  /** A user's unsent alerts, oldest first. */
  openAlerts(platform: Platform, userId: string): Promise<AlertPart[]>;
  /** Users with unsent alerts. */
  usersWithOpenAlerts(): Promise<{ platform: Platform; targetId: string }[]>;
  /** Every alert of a user (any status), oldest first: tests and diagnostics. */
  alerts(platform: Platform, userId: string): Promise<AlertPart[]>;
  /** The sender's marks on alert rows. */
  readonly marks: Pick<LedgerStore, "markSent" | "markFailed" | "notePossibleDuplicate">;
  /** Claims on alert rows: the same lease rules as delivery parts (lease-store.ts). */
  readonly leases: LeaseStore;
}

function toAlert(r: Selectable<WatchAlertsTable>): AlertPart {
  const a: AlertPart = {
    runId: r.story_id,
    // Alerts are not runs (see the "watches" migration); the sender never reads the kind.
    kind: "manual",
    digestDate: r.digest_date,
    platform: r.platform as Platform,
    targetId: r.target_id,
    partIndex: Number(r.part_index),
    partCount: 1,
    status: r.status as PartStatus,
    attempts: Number(r.attempts),
    payload: JSON.parse(r.payload) as unknown,
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at,
    query: r.query,
  };
  if (r.message_id !== null) a.messageId = r.message_id;
  if (r.last_error !== null) a.lastError = r.last_error;
  if (r.claimed_by !== null) a.claimedBy = r.claimed_by;
  if (r.lease_expires_at !== null) a.leaseExpiresAt = r.lease_expires_at;
  if (r.sent_at !== null) a.sentAt = r.sent_at;
  if (Number(r.possible_duplicates) > 0) a.possibleDuplicates = Number(r.possible_duplicates);
  return a;
}

/**
 * The watch store of a state database (either dialect).
 *
 * @example
 * const watches = createWatchStore(db, "sqlite");
 * await watches.add({ platform: "telegram", userId: "42", query: "sonnet" }, 10, new Date().toISOString()); // "added"
 */
export function createWatchStore(db: Kysely<StateTables>, dialect: StorageDialect): WatchStore {
  const alert = (key: PartKey) =>
    db
      .updateTable("watch_alerts")
      .where("story_id", "=", key.runId)
      .where("platform", "=", key.platform)
      .where("target_id", "=", key.targetId);
  const toWatch = (r: Selectable<StateTables["watches"]>): Watch => {
    const w: Watch = { platform: r.platform as Platform, userId: r.user_id, query: r.query, enabled: Number(r.enabled) === 1, createdAt: r.created_at };
    if (r.locale !== null) w.locale = r.locale;
    if (r.disabled_reason !== null) w.disabledReason = r.disabled_reason;
    return w;
  };
  return {
    async add(watch, limit, now) {
      return db.transaction().execute(async (trx) => {
        // Serialises two /watch of one user on PostgreSQL, so the cap holds (SQLite has one writer anyway).
        if (dialect === "postgres") await sql`SELECT pg_advisory_xact_lock(hashtext(${`watch:${watch.platform}:${watch.userId}`}))`.execute(trx);
        const mine = await trx.selectFrom("watches").select("query").where("platform", "=", watch.platform).where("user_id", "=", watch.userId).execute();
        await trx
          .updateTable("watches")
          .set({ enabled: 1, disabled_reason: null, updated_at: now })
          .where("platform", "=", watch.platform)
          .where("user_id", "=", watch.userId)
          .where("enabled", "=", 0)
          .execute();
        if (mine.some((w) => watchQueryKey(w.query) === watchQueryKey(watch.query))) return "exists";
        if (mine.length >= limit) return "limit";
        await trx
          .insertInto("watches")
          .values({ platform: watch.platform, user_id: watch.userId, query: watch.query, locale: watch.locale ?? null, created_at: now, updated_at: now })
          .execute();
        return "added";
      });
    },
    async list(platform, userId) {
      const rows = await db.selectFrom("watches").selectAll().where("platform", "=", platform).where("user_id", "=", userId).orderBy("seq").execute();
      return rows.map(toWatch);
    },
    async remove(platform, userId, query, now) {
      return db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom("watches").where("platform", "=", platform).where("user_id", "=", userId).where("query", "=", query).executeTakeFirst();
        // An /unwatch means "stop": alerts of that watch still waiting (a rate limit, a retry) are not sent afterwards.
        // In-flight ones are left to finish (the send may already be accepted).
        await trx
          .updateTable("watch_alerts")
          .set({ status: "skipped", last_error: "unwatched before the alert was sent", updated_at: now })
          .where("platform", "=", platform)
          .where("target_id", "=", userId)
          .where("query", "=", query)
          .where("status", "=", "pending")
          .execute();
        return Number(r.numDeletedRows) > 0;
      });
    },
    async enabled() {
      return (await db.selectFrom("watches").selectAll().where("enabled", "=", 1).orderBy("seq").execute()).map(toWatch);
    },
    async disableUser(platform, userId, reason, now) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("watches")
          .set({ enabled: 0, disabled_reason: reason, updated_at: now })
          .where("platform", "=", platform)
          .where("user_id", "=", userId)
          .execute();
        await trx
          .updateTable("watch_alerts")
          .set({ status: "skipped", last_error: reason, updated_at: now })
          .where("platform", "=", platform)
          .where("target_id", "=", userId)
          .where("status", "in", OPEN)
          .execute();
      });
    },
    async planAlert(a) {
      const json = JSON.stringify(a.payload);
      const r = await db
        .insertInto("watch_alerts")
        .values({
          story_id: a.storyId,
          platform: a.platform,
          target_id: a.userId,
          digest_date: a.digestDate,
          query: a.query,
          payload: json,
          payload_hash: hashPayload(json),
          // Stable per (user, story): a re-send after a crash carries the same Discord nonce.
          idempotency_key: idempotencyKey(`watch:${a.storyId}`, a.platform, a.userId, 0),
          more_count: a.more ?? 0,
          created_at: a.now,
          updated_at: a.now,
        })
        .onConflict((oc) =>
          oc
            .columns(["platform", "target_id", "story_id"])
            .doUpdateSet({
              status: "pending",
              attempts: 0,
              query: a.query,
              payload: json,
              payload_hash: hashPayload(json),
              more_count: a.more ?? 0,
              edit_payload: null,
              edit_more: null,
              last_error: null,
              claimed_by: null,
              lease_expires_at: null,
              updated_at: a.now,
            })
            .where("watch_alerts.status", "in", NEVER_SENT),
        )
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async digestAlerts(platform, userId, digestDate) {
      const rows = await db
        .selectFrom("watch_alerts")
        .select(["story_id", "status", "query", "more_count", "edit_more"])
        .where("platform", "=", platform)
        .where("target_id", "=", userId)
        .where("digest_date", "=", digestDate)
        .where("status", "not in", NEVER_SENT)
        .orderBy("created_at")
        .orderBy("story_id")
        .execute();
      return rows.map((r) => ({
        storyId: r.story_id,
        status: r.status as PartStatus,
        query: r.query,
        more: Number(r.more_count) < 0 ? null : Number(r.more_count),
        editMore: r.edit_more === null ? null : Number(r.edit_more),
      }));
    },
    async refreshAlert(a) {
      const json = JSON.stringify(a.payload);
      const hash = hashPayload(json);
      const r = await alert({ runId: a.storyId, platform: a.platform, targetId: a.userId, partIndex: 0 })
        .set({ payload: json, payload_hash: hash, query: a.query, more_count: a.more ?? 0, updated_at: a.now })
        .where("status", "=", "pending")
        .where("payload_hash", "<>", hash)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async skipAlerts(platform, userId, storyIds, reason, now) {
      if (storyIds.length === 0) return;
      await db
        .updateTable("watch_alerts")
        .set({ status: "skipped", last_error: reason, updated_at: now })
        .where("platform", "=", platform)
        .where("target_id", "=", userId)
        .where("story_id", "in", [...storyIds])
        .where("status", "=", "pending")
        .execute();
    },
    async openAlerts(platform, userId) {
      const rows = await db
        .selectFrom("watch_alerts")
        .selectAll()
        .where("platform", "=", platform)
        .where("target_id", "=", userId)
        .where("status", "in", OPEN)
        .orderBy("created_at")
        .orderBy("story_id")
        .execute();
      return rows.map(toAlert);
    },
    async usersWithOpenAlerts() {
      const rows = await db
        .selectFrom("watch_alerts")
        .select(["platform", "target_id"])
        .where("status", "in", OPEN)
        .groupBy(["platform", "target_id"])
        .orderBy(sql`min(created_at)`)
        .execute();
      return rows.map((r) => ({ platform: r.platform as Platform, targetId: r.target_id }));
    },
    async alerts(platform, userId) {
      const rows = await db
        .selectFrom("watch_alerts")
        .selectAll()
        .where("platform", "=", platform)
        .where("target_id", "=", userId)
        .orderBy("created_at")
        .orderBy("story_id")
        .execute();
      return rows.map(toAlert);
    },
    marks: {
      async markSent(key, messageId, now) {
        // The claim ends with the send: an edit of the message claims the same columns (alert-edit-store.ts).
        await alert(key).set({ status: "sent", message_id: messageId, last_error: null, sent_at: now, claimed_by: null, lease_expires_at: null, updated_at: now }).execute();
      },
      async markFailed(key, status, error, now) {
        await alert(key).set({ status, last_error: error, updated_at: now }).execute();
      },
      async notePossibleDuplicate(key, now) {
        await alert(key)
          .set((eb) => ({ possible_duplicates: eb("possible_duplicates", "+", 1), updated_at: now }))
          .execute();
      },
    },
    leases: createLeaseStore(db, dialect, "watch_alerts"),
    ...createAlertEditStore(db),
  };
}
