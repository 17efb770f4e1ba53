// Sender leases: one row per platform naming the one process that may spend that bot token's budget, until when.
import type { Kysely, Selectable } from "kysely";
import type { StateTables } from "./schema.js";

/** A platform's sender lease as stored; its times are the database's clock (database-clock.ts), whichever host wrote them. */
export interface SenderLease {
  platform: string;
  holder: string;
  /** ISO time; a released lease has it set to the release time. */
  expiresAt: string;
  acquiredAt: string;
  /** The holder's last written sends to targets with a per-minute limit: target → database-clock ms. */
  recentSends?: RecentSends;
}

/** Sends per target, in the database's clock (ms since the epoch). */
export type RecentSends = Record<string, number[]>;

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
  /** Extends the lease `owner` holds (with its recent sends, for the next holder); false when another owner holds it now. */
  renew(platform: string, owner: string, until: string, recent?: RecentSends): Promise<boolean>;
  /** Ends the lease `owner` holds (expires now), so a standby takes over at once; `recent` is left for the next holder. */
  release(platform: string, owner: string, now: string, recent?: RecentSends): Promise<void>;
  /** The lease as stored, if any. */
  get(platform: string): Promise<SenderLease | undefined>;
}

type Row = Selectable<StateTables["sender_leases"]>;
const toLease = (r: Row): SenderLease => ({
  platform: r.platform,
  holder: r.holder,
  expiresAt: r.expires_at,
  acquiredAt: r.acquired_at,
  ...(r.recent_sends ? { recentSends: readRecent(r.recent_sends) } : {}),
});

/** A stored history, or none when it cannot be read (a damaged row must not stop sending). */
function readRecent(json: string): RecentSends | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    if (typeof value !== "object" || value === null) return undefined;
    const out: RecentSends = {};
    for (const [target, times] of Object.entries(value)) {
      if (Array.isArray(times)) out[target] = times.filter((t): t is number => typeof t === "number");
    }
    return out;
  } catch {
    return undefined;
  }
}
const writeRecent = (recent: RecentSends | undefined) => (recent === undefined ? {} : { recent_sends: JSON.stringify(recent) });

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
    async renew(platform, owner, until, recent) {
      const result = await db
        .updateTable("sender_leases")
        .set({ expires_at: until, ...writeRecent(recent) })
        .where("platform", "=", platform)
        .where("holder", "=", owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async release(platform, owner, now, recent) {
      await db.updateTable("sender_leases").set({ expires_at: now, ...writeRecent(recent) }).where("platform", "=", platform).where("holder", "=", owner).execute();
    },
  };
}
