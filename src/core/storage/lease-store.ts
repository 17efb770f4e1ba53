// Claims as leases: a part is in-flight for one owner until its lease runs out; a dead owner's part is taken over after that.
import type { ExpressionBuilder, Kysely } from "kysely";
import type { StateTables } from "./schema.js";
import type { LeaseStore, PartKey, PartStatus, StorageDialect } from "./types.js";

type Eb = ExpressionBuilder<StateTables, "deliveries">;

const isPart = (eb: Eb, key: PartKey) =>
  eb.and([
    eb("run_id", "=", key.runId),
    eb("platform", "=", key.platform),
    eb("target_id", "=", key.targetId),
    eb("part_index", "=", key.partIndex),
  ]);

/** Still as read, and free to claim: not in-flight under another owner's live lease (unless that owner is known gone). */
const claimable = (eb: Eb, seen: { status: PartStatus; attempts: number }, claim: { owner: string; now: string; takeOver?: boolean }) => {
  const free = [
    eb("status", "<>", "in-flight"),
    eb("claimed_by", "is", null),
    eb("claimed_by", "=", claim.owner),
    eb("lease_expires_at", "is", null),
    eb("lease_expires_at", "<=", claim.now),
  ];
  return eb.and([
    eb("status", "=", seen.status),
    eb("attempts", "=", seen.attempts),
    ...(claim.takeOver ? [] : [eb.or(free)]),
  ]);
};

/**
 * The leases of a state database. SQLite: one conditional UPDATE (the database has one writer at a time).
 * PostgreSQL: the row is locked `FOR UPDATE SKIP LOCKED` first, so instances racing for one part never wait on
 * each other; the loser sees no row and leaves the part to the winner.
 */
export function createLeaseStore(db: Kysely<StateTables>, dialect: StorageDialect): LeaseStore {
  return {
    async claim(key, seen, claim) {
      const set = {
        status: "in-flight",
        attempts: seen.attempts + 1,
        claimed_by: claim.owner,
        lease_expires_at: claim.leaseUntil,
        updated_at: claim.now,
      };
      if (dialect === "sqlite") {
        const result = await db
          .updateTable("deliveries")
          .set(set)
          .where((eb) => eb.and([isPart(eb, key), claimable(eb, seen, claim)]))
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom("deliveries")
          .select("run_id")
          .where((eb) => eb.and([isPart(eb, key), claimable(eb, seen, claim)]))
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row) return false;
        await trx.updateTable("deliveries").set(set).where((eb) => isPart(eb, key)).execute();
        return true;
      });
    },
    async renew(key, owner, leaseUntil) {
      const result = await db
        .updateTable("deliveries")
        .set({ lease_expires_at: leaseUntil })
        .where((eb) => eb.and([isPart(eb, key), eb("claimed_by", "=", owner), eb("status", "=", "in-flight")]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
