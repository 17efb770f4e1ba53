// Claims on revision operations: the same lease rules as delivery parts (lease-store.ts), on the revision_parts table.
import type { ExpressionBuilder, Kysely } from "kysely";
import type { StateTables } from "./schema.js";
import type { LeaseStore, PartKey, PartStatus, StorageDialect } from "./types.js";

type Eb = ExpressionBuilder<StateTables, "revision_parts">;

/** The row of one revision operation (its revision id is the part key's `runId`). */
export const isRevisionPart = (eb: Eb, key: PartKey) =>
  eb.and([
    eb("revision_id", "=", key.runId),
    eb("platform", "=", key.platform),
    eb("target_id", "=", key.targetId),
    eb("part_index", "=", key.partIndex),
  ]);
const isPart = isRevisionPart;

/**
 * Claims on revision operations, so two engines never both edit or send one.
 *
 * @example
 * const leases = createRevisionLeases(db, "postgres");
 */
export function createRevisionLeases(db: Kysely<StateTables>, dialect: StorageDialect): LeaseStore {
  const claimable = (eb: Eb, seen: { status: PartStatus; attempts: number }, claim: { owner: string; now: string; takeOver?: boolean }) =>
    eb.and([
      eb("status", "=", seen.status),
      eb("attempts", "=", seen.attempts),
      ...(claim.takeOver
        ? []
        : [
            eb.or([
              eb("status", "<>", "in-flight"),
              eb("claimed_by", "is", null),
              eb("claimed_by", "=", claim.owner),
              eb("lease_expires_at", "is", null),
              eb("lease_expires_at", "<=", claim.now),
            ]),
          ]),
    ]);
  return {
    async claim(key, seen, claim) {
      const set = { status: "in-flight", attempts: seen.attempts + 1, claimed_by: claim.owner, lease_expires_at: claim.leaseUntil, updated_at: claim.now };
      if (dialect === "sqlite") {
        const result = await db
          .updateTable("revision_parts")
          .set(set)
          .where((eb) => eb.and([isPart(eb, key), claimable(eb, seen, claim)]))
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom("revision_parts")
          .select("revision_id")
          .where((eb) => eb.and([isPart(eb, key), claimable(eb, seen, claim)]))
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row) return false;
        await trx.updateTable("revision_parts").set(set).where((eb) => isPart(eb, key)).execute();
        return true;
      });
    },
    async renew(key, owner, leaseUntil) {
      const result = await db
        .updateTable("revision_parts")
        .set({ lease_expires_at: leaseUntil })
        .where((eb) => eb.and([isPart(eb, key), eb("claimed_by", "=", owner), eb("status", "=", "in-flight")]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
