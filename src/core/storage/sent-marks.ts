// Group commit of delivery "sent" marks on SQLite: a confirmed send is written in the transaction of the next claim (one disk sync for both), or alone after a few ms.
import type { Kysely, Transaction } from "kysely";
import { dropCarriedCopiesOf } from "./carried-copies.js";
import { OPEN } from "./open-parts.js";
import type { StateTables } from "./schema.js";
import type { PartKey } from "./types.js";

/**
 * Grouping is for SQLite, whose commits (better-sqlite3, synchronous) hold the whole process for their disk sync. On
 * PostgreSQL a commit blocks nothing else, the claim's own commit is what the send waits for, and a mark added to it
 * would cost the claim one more round trip: there each mark is committed at once.
 */

/**
 * Longest a "sent" mark waits for a claim to share its commit with. Only marks made while other sends wait for the
 * platform's budget wait at all (the next claim then comes within one pacing interval: 20 ms on Discord, 33 ms on
 * Telegram); the rest are written at once. A kill -9 within this time finds the part in-flight (see README "Exactly once").
 */
export const SENT_MARK_DELAY_MS = 50;

export type Writer = Kysely<StateTables> | Transaction<StateTables>;

interface Mark {
  key: PartKey;
  messageId: string;
  now: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The marks of one state database that are confirmed by the platform but not yet committed. */
export interface SentMarks {
  /**
   * Records a send the platform confirmed; resolves once it is committed. `withNextClaim`: it may wait (at most
   * {@link SENT_MARK_DELAY_MS}) for the next claim's transaction; otherwise it is committed now, with any marks waiting.
   */
  add(key: PartKey, messageId: string, now: string, withNextClaim: boolean): Promise<void>;
  /**
   * Runs a claim: with marks waiting, in one transaction that writes them first (`claim` gets that transaction and
   * must not open another); without, as `claim(db)`. If
   * the shared transaction fails, the marks are written on their own and the claim is run alone, so neither fails
   * for the other.
   */
  withClaim<T>(claim: (writer: Writer) => Promise<T>): Promise<T>;
  /** Commits every mark waiting, and waits for the commits under way (before the database closes). */
  flush(): Promise<void>;
  /** Whether marks wait for a claim at all (SQLite) or are always committed at once (PostgreSQL). */
  readonly groups: boolean;
}

/**
 * The sent marks of `db`.
 *
 * @example
 * const marks = createSentMarks(db, { group: dialect === "sqlite" });
 * await marks.add(part, "42", now, pacerBusy); // committed by the next claim, or within 50 ms
 * await marks.flush(); // at close
 */
export function createSentMarks(db: Kysely<StateTables>, options: { group: boolean; delayMs?: number }): SentMarks {
  const delayMs = options.delayMs ?? SENT_MARK_DELAY_MS;
  let waiting: Mark[] = [];
  let timer: NodeJS.Timeout | undefined;

  const take = () => {
    clearTimeout(timer);
    timer = undefined;
    const taken = waiting;
    waiting = [];
    return taken;
  };

  async function write(writer: Writer, marks: readonly Mark[]) {
    for (const m of marks) {
      const mark = () =>
        writer
          .updateTable("deliveries")
          .set({ status: "sent", message_id: m.messageId, last_error: null, sent_at: m.now, updated_at: m.now })
          .where("run_id", "=", m.key.runId)
          .where("platform", "=", m.key.platform)
          .where("target_id", "=", m.key.targetId)
          .where("part_index", "=", m.key.partIndex);
      const open = await mark().where("status", "in", OPEN).executeTakeFirst();
      if (Number(open.numUpdatedRows) > 0) continue;
      // Skipped while it was on its way (an unsubscribe, a move): the platform took it all the same, so it is sent —
      // and a move's copy of it at the new id must not post it a second time.
      await mark().execute();
      await dropCarriedCopiesOf(writer, m.key, m.now);
    }
  }

  /** Commits under way: a close waits for them too. */
  const writing = new Set<Promise<void>>();
  function commit(marks: readonly Mark[]): Promise<void> {
    if (marks.length === 0) return Promise.resolve();
    const done = commitNow(marks).finally(() => writing.delete(done));
    writing.add(done);
    return done;
  }

  /** Commits `marks` in one transaction and settles each. */
  async function commitNow(marks: readonly Mark[]) {
    try {
      if (marks.length === 1) await write(db, marks);
      else await db.transaction().execute((trx) => write(trx, marks));
    } catch (err) {
      for (const m of marks) m.reject(err);
      return;
    }
    for (const m of marks) m.resolve();
  }

  return {
    add(key, messageId, now, withNextClaim) {
      const done = new Promise<void>((resolve, reject) => waiting.push({ key, messageId, now, resolve, reject }));
      if (!withNextClaim || !options.group) void commit(take());
      // Referenced on purpose: a one-shot `deliver` must not exit with a confirmed send unrecorded.
      else timer ??= setTimeout(() => void commit(take()), delayMs);
      return done;
    },
    async withClaim<T>(claim: (writer: Writer) => Promise<T>): Promise<T> {
      const marks = take();
      if (marks.length === 0) return claim(db);
      let result: T;
      try {
        result = await db.transaction().execute(async (trx) => {
          await write(trx, marks);
          return claim(trx);
        });
      } catch {
        // Nothing of the shared transaction was committed: each is tried alone, as without grouping.
        await commit(marks);
        return claim(db);
      }
      for (const m of marks) m.resolve();
      return result;
    },
    async flush() {
      void commit(take());
      await Promise.all([...writing]);
    },
    groups: options.group,
  };
}
