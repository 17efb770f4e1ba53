// Sender leases: one row per platform naming the one process that may spend that bot token's budget, until when.
import type { Kysely } from "kysely";
import type { StateTables } from "./schema.js";

/** A platform's sender lease as stored; its times are the database's clock (database-clock.ts), whichever host wrote them. */
export interface SenderLease {
  platform: string;
  holder: string;
  /** ISO time; a released lease has it set to the release time. */
  expiresAt: string;
  acquiredAt: string;
}

/**
 * The sender leases of a state database (`sender_leases`, one row per platform). Every statement is a single
 * conditional write, atomic on both backends, so two instances racing for one platform never both hold it.
 *
 * @example
 * const { held } = await storage.senderLeases.claim("telegram", { owner, now, until });
 * if (held) await storage.senderLeases.renew("telegram", owner, later);
 */
export interface SenderLeaseStore {
  /**
   * Takes the platform's lease for `owner` until `until` when nobody holds it, it has run out (or was released), or
   * `owner` holds it already; also when it is held by `takeOverFrom` (an owner proven gone). Returns whether `owner`
   * now holds it, and the lease as it was before (to know when the previous holder last spent the budget).
   */
  claim(
    platform: string,
    claim: { owner: string; now: string; until: string; takeOverFrom?: string },
  ): Promise<{ held: boolean; previous: SenderLease | undefined }>;
  /** Extends the lease `owner` holds; false when another owner holds it now. */
  renew(platform: string, owner: string, until: string): Promise<boolean>;
  /** Ends the lease `owner` holds (expires now), so a standby takes over at once. */
  release(platform: string, owner: string, now: string): Promise<void>;
  /** The lease as stored, if any. */
  get(platform: string): Promise<SenderLease | undefined>;
}

type Row = StateTables["sender_leases"];
const toLease = (r: Row): SenderLease => ({ platform: r.platform, holder: r.holder, expiresAt: r.expires_at, acquiredAt: r.acquired_at });

/**
 * The sender lease store over the state tables (the same statements on SQLite and PostgreSQL).
 *
 * @example
 * const senderLeases = createSenderLeaseStore(db);
 */
export function createSenderLeaseStore(db: Kysely<StateTables>): SenderLeaseStore {
  const get = async (platform: string) => {
    const row = await db.selectFrom("sender_leases").selectAll().where("platform", "=", platform).executeTakeFirst();
    return row ? toLease(row) : undefined;
  };
  return {
    get,
    async claim(platform, claim) {
      const previous = await get(platform);
      // INSERT … ON CONFLICT DO UPDATE … WHERE: one atomic statement; the WHERE decides whether a held lease changes hands.
      const row = await db
        .insertInto("sender_leases")
        .values({ platform, holder: claim.owner, expires_at: claim.until, acquired_at: claim.now })
        .onConflict((oc) =>
          oc
            .column("platform")
            .doUpdateSet((eb) => ({
              holder: eb.ref("excluded.holder"),
              expires_at: eb.ref("excluded.expires_at"),
              // Kept while the same owner goes on holding it.
              acquired_at: eb
                .case()
                .when("sender_leases.holder", "=", claim.owner)
                .then(eb.ref("sender_leases.acquired_at"))
                .else(eb.ref("excluded.acquired_at"))
                .end(),
            }))
            .where((eb) =>
              eb.or([
                eb("sender_leases.holder", "=", claim.owner),
                eb("sender_leases.expires_at", "<=", claim.now),
                ...(claim.takeOverFrom ? [eb("sender_leases.holder", "=", claim.takeOverFrom)] : []),
              ]),
            ),
        )
        .returning("holder")
        .executeTakeFirst();
      return { held: row?.holder === claim.owner, previous };
    },
    async renew(platform, owner, until) {
      const result = await db
        .updateTable("sender_leases")
        .set({ expires_at: until })
        .where("platform", "=", platform)
        .where("holder", "=", owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async release(platform, owner, now) {
      await db.updateTable("sender_leases").set({ expires_at: now }).where("platform", "=", platform).where("holder", "=", owner).execute();
    },
  };
}
