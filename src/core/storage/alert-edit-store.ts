// Edits of sent personal alerts: the "…and N more" count a digest's last alert tells, kept true after it went out.
import type { ExpressionBuilder, Kysely } from "kysely";
import type { Platform } from "../reply.js";
import { hashPayload } from "./part-keys.js";
import type { StateTables } from "./schema.js";
import type { PartKey } from "./types.js";

/** A sent alert whose message waits for an edit to tell another "…and N more" count. */
export interface AlertEdit {
  key: PartKey;
  messageId: string;
  /** The message as it must read now. */
  payload: unknown;
  more: number;
  /** The edit as recorded: `markEdited` clears this one only, never a newer one planned meanwhile. */
  planned: string;
  /** The owner whose claimed edit of the message may be on its way, and until when (database clock). */
  claimedBy?: string;
  leaseExpiresAt?: string;
}

/** A claim on an alert's message while one edit of it is on its way, in the database's clock. */
export interface EditClaim {
  owner: string;
  now: string;
  leaseUntil: string;
  /** An owner proven gone (owner.ts) whose claim is taken over before its lease runs out. */
  takeOverFrom?: string;
}

export interface AlertEditStore {
  /**
   * Records that a sent (or in-flight) alert's message must be edited to `payload` to tell the count `more`; true
   * when an edit now waits that did not. When the message tells `more` already, a waiting edit is dropped. Pending
   * alerts are `refreshAlert`'s (their payload is replaced before they go out).
   */
  planEdit(alert: { platform: Platform; userId: string; storyId: string; payload: unknown; more: number; now: string }): Promise<boolean>;
  /** A user's sent alerts with an edit waiting, oldest first. */
  pendingEdits(platform: Platform, userId: string): Promise<AlertEdit[]>;
  /** Users with sent alerts whose edit waits. */
  usersWithEdits(): Promise<{ platform: Platform; targetId: string }[]>;
  /**
   * Claims the message for this edit (the row's lease columns, free once the alert was sent): false when the edit
   * is not the one waiting any more, or another owner's edit of that message may still be on its way (its lease
   * has not run out). One edit of a message at a time, across instances: an older count never lands after a newer.
   */
  claimEdit(edit: AlertEdit, claim: EditClaim): Promise<boolean>;
  /** Moves the lease of `owner`'s claim on the edit's message to `leaseUntil`; false when the claim is not its own any more. */
  renewEdit(edit: AlertEdit, owner: string, leaseUntil: string): Promise<boolean>;
  /**
   * The edit `owner` claimed was made — or cannot be (`error`: the message was deleted): its message is taken to
   * tell `edit.more` from now on, so a re-match of the digest does not plan it again; an edit planned meanwhile
   * (another count) stays waiting. The claim ends.
   */
  markEdited(edit: AlertEdit, owner: string, now: string, error?: string): Promise<void>;
}

/**
 * The alert edits of a state database (either dialect), on the `watch_alerts` rows.
 *
 * @example
 * const edits = createAlertEditStore(db);
 * await edits.planEdit({ platform: "telegram", userId: "42", storyId, payload, more: 3, now });
 */
export function createAlertEditStore(db: Kysely<StateTables>): AlertEditStore {
  const alert = (key: PartKey) =>
    db
      .updateTable("watch_alerts")
      .where("story_id", "=", key.runId)
      .where("platform", "=", key.platform)
      .where("target_id", "=", key.targetId);
  return {
    async planEdit(a) {
      const key = { runId: a.storyId, platform: a.platform, targetId: a.userId, partIndex: 0 };
      // While an edit of the message is on its way, `more_count` is not yet what the message will tell.
      const editing = (eb: ExpressionBuilder<StateTables, "watch_alerts">) =>
        eb.and([eb("status", "=", "sent"), eb("claimed_by", "is not", null), eb("lease_expires_at", ">", a.now)]);
      // Told already: an edit still waiting (to tell another count) is not needed any more.
      await alert(key)
        .set({ edit_payload: null, edit_more: null, updated_at: a.now })
        .where("more_count", "=", a.more)
        .where("edit_payload", "is not", null)
        .where((eb) => eb.not(editing(eb)))
        .execute();
      const json = JSON.stringify(a.payload);
      const r = await alert(key)
        .set({ edit_payload: json, edit_more: a.more, updated_at: a.now })
        .where("status", "in", ["sent", "in-flight"])
        // A count unknown (an alert sent before counts were recorded) is never edited: see watch-alerts.ts.
        .where("more_count", ">=", 0)
        .where((eb) => eb.or([eb("more_count", "<>", a.more), editing(eb)]))
        .where((eb) => eb.or([eb("edit_more", "is", null), eb("edit_more", "<>", a.more)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async claimEdit(edit, claim) {
      const r = await alert(edit.key)
        .set({ claimed_by: claim.owner, lease_expires_at: claim.leaseUntil })
        .where("status", "=", "sent")
        .where("edit_payload", "=", edit.planned)
        .where((eb) =>
          eb.or([
            eb("claimed_by", "is", null),
            eb("claimed_by", "=", claim.owner),
            eb("lease_expires_at", "is", null),
            eb("lease_expires_at", "<=", claim.now),
            ...(claim.takeOverFrom ? [eb("claimed_by", "=", claim.takeOverFrom)] : []),
          ]),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async renewEdit(edit, owner, leaseUntil) {
      const r = await alert(edit.key).set({ lease_expires_at: leaseUntil }).where("status", "=", "sent").where("claimed_by", "=", owner).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async pendingEdits(platform, userId) {
      const rows = await db
        .selectFrom("watch_alerts")
        .select(["story_id", "message_id", "edit_payload", "edit_more", "claimed_by", "lease_expires_at"])
        .where("platform", "=", platform)
        .where("target_id", "=", userId)
        .where("edit_payload", "is not", null)
        .where("status", "=", "sent")
        .where("message_id", "is not", null)
        .orderBy("created_at")
        .orderBy("story_id")
        .execute();
      return rows.map((r) => ({
        key: { runId: r.story_id, platform, targetId: userId, partIndex: 0 },
        messageId: r.message_id as string,
        payload: JSON.parse(r.edit_payload as string) as unknown,
        more: Number(r.edit_more),
        planned: r.edit_payload as string,
        ...(r.claimed_by !== null ? { claimedBy: r.claimed_by } : {}),
        ...(r.lease_expires_at !== null ? { leaseExpiresAt: r.lease_expires_at } : {}),
      }));
    },
    async usersWithEdits() {
      const rows = await db
        .selectFrom("watch_alerts")
        .select(["platform", "target_id"])
        .where("edit_payload", "is not", null)
        .where("status", "=", "sent")
        .groupBy(["platform", "target_id"])
        .execute();
      return rows.map((r) => ({ platform: r.platform as Platform, targetId: r.target_id }));
    },
    async markEdited(edit, owner, now, error) {
      // Edited, the message is the edit's payload; given up, it stays as sent (its ledger payload too).
      const told = error === undefined ? { payload: edit.planned, payload_hash: hashPayload(edit.planned) } : { last_error: error };
      await alert(edit.key)
        .set((eb) => {
          // SET reads the row as it was: an edit planned since the claim (another payload) stays waiting.
          const made = eb("edit_payload", "=", edit.planned);
          return {
            ...told,
            more_count: edit.more,
            edit_payload: eb.case().when(made).then(null).else(eb.ref("edit_payload")).end(),
            edit_more: eb.case().when(made).then(null).else(eb.ref("edit_more")).end(),
            claimed_by: null,
            lease_expires_at: null,
            updated_at: now,
          };
        })
        .where("claimed_by", "=", owner)
        .execute();
    },
  };
}
