// Claims as leases: a part is in-flight for one owner until its lease runs out; a dead owner's part is taken over after that.
import type { ExpressionBuilder, Kysely } from "kysely";
import type { StateTables } from "./schema.js";
import type { SentMarks, Writer } from "./sent-marks.js";
import type { LeaseStore, PartKey, PartStatus, StorageDialect } from "./types.js";

/** The tables whose rows are claimed: delivery parts, and revision operations (keyed by their revision id). */
export type LeasedTable = "deliveries" | "revision_parts" | "watch_alerts";

/** The columns a lease reads and writes, common to both tables; `key_id` stands for `run_id` / `revision_id`. */
interface LeasedRow {
  key_id: string;
  platform: string;
  target_id: string;
  part_index: number;
  status: string;
  attempts: number;
  claimed_by: string | null;
  lease_expires_at: string | null;
  updated_at: string;
}
type LeaseDb = Kysely<{ leased: LeasedRow }>;
type Eb = ExpressionBuilder<{ leased: LeasedRow }, "leased">;

// Personal alerts (watch-store.ts) are keyed by story: the part key's runId is the story id.
const KEY_COLUMN: Record<LeasedTable, string> = { deliveries: "run_id", revision_parts: "revision_id", watch_alerts: "story_id" };

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
 * The leases of a state database, on delivery parts (default) or revision operations — one set of rules for both.
 * SQLite: one conditional UPDATE (the database has one writer at a time). PostgreSQL: the row is locked
 * `FOR UPDATE SKIP LOCKED` first, so instances racing for one part never wait on each other; the loser sees no row
 * and leaves the part to the winner. With `marks` (the deliveries' sent marks), a claim commits the marks waiting
 * in the same transaction: one disk sync for a send's record and the next send's claim.
 *
 * @example
 * const leases = createLeaseStore(db, "postgres");
 * const revisionLeases = createLeaseStore(db, "postgres", "revision_parts");
 */
export function createLeaseStore(state: Kysely<StateTables>, dialect: StorageDialect, table: LeasedTable = "deliveries", marks?: SentMarks): LeaseStore {
  // Both tables have the lease columns under the same names; only the key column differs. The typed view below
  // names the table and that column once, so the claim rules are written once for both.
  const db = state as unknown as LeaseDb;
  const name = table as unknown as "leased";
  const keyColumn = KEY_COLUMN[table] as "key_id";
  const isPart = (eb: Eb, key: PartKey) =>
    eb.and([
      eb(keyColumn, "=", key.runId),
      eb("platform", "=", key.platform),
      eb("target_id", "=", key.targetId),
      eb("part_index", "=", key.partIndex),
    ]);
  return {
    async claim(key, seen, claim) {
      const set = {
        status: "in-flight",
        attempts: seen.attempts + 1,
        claimed_by: claim.owner,
        lease_expires_at: claim.leaseUntil,
        updated_at: claim.now,
      };
      const claimIn = async (writer: Writer): Promise<boolean> => {
        const on = writer as unknown as LeaseDb;
        if (dialect === "sqlite") {
          const result = await on
            .updateTable(name)
            .set(set)
            .where((eb) => eb.and([isPart(eb, key), claimable(eb, seen, claim)]))
            .executeTakeFirst();
          return Number(result.numUpdatedRows) === 1;
        }
        const locked = async (trx: LeaseDb) => {
          const row = await trx
            .selectFrom(name)
            .select(keyColumn)
            .where((eb) => eb.and([isPart(eb, key), claimable(eb, seen, claim)]))
            .forUpdate()
            .skipLocked()
            .executeTakeFirst();
          if (!row) return false;
          await trx.updateTable(name).set(set).where((eb) => isPart(eb, key)).execute();
          return true;
        };
        return writer.isTransaction ? locked(on) : on.transaction().execute(locked);
      };
      return marks ? marks.withClaim(claimIn) : claimIn(state);
    },
    async renew(key, owner, leaseUntil) {
      const result = await db
        .updateTable(name)
        .set({ lease_expires_at: leaseUntil })
        .where((eb) => eb.and([isPart(eb, key), eb("claimed_by", "=", owner), eb("status", "=", "in-flight")]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
