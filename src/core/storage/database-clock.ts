// The database server's clock as this host reckons it: lease times written by one host and read by another use this one clock.
import { sql, type Kysely } from "kysely";
import type { Logger } from "../logger.js";
import type { StateTables } from "./schema.js";
import type { StorageDialect } from "./types.js";

/** An offset over this is worth a warning: the hosts' clocks are not kept in step (NTP). */
export const CLOCK_SKEW_WARN_MS = 2_000;

/**
 * The time of the database server, as this host can tell it without asking on every read: this host's clock plus
 * the offset last measured against the server. Every lease time (sender leases, part leases of the ledger, of
 * revisions and of personal alerts) is written and compared in it, so a host whose clock runs fast or slow neither
 * takes a lease another host still holds nor waits past a lease that ran out.
 *
 * @example
 * const clock = createDatabaseClock({ read: readDatabaseTime(storage.db, storage.dialect), logger });
 * await clock.sync();
 * const leaseUntil = new Date(clock.now() + 60_000).toISOString();
 */
export interface DatabaseClock {
  /** The database's time now (ms since the epoch) by this host's clock and the last measured offset. */
  now(): number;
  /** Database minus this host (ms) as last measured; 0 on SQLite, before the first sync, and within the measurement's own error. */
  readonly offsetMs: number;
  /** Measures the offset again (one query on PostgreSQL, nothing on SQLite); resolves to it. */
  sync(): Promise<number>;
}

export interface DatabaseClockOptions {
  /** Reads the database server's clock (ms); none on SQLite, whose one host is the database's. */
  read?: (() => Promise<number>) | undefined;
  /** This host's clock; default Date.now. Tests give one running fast or slow. */
  host?: () => number;
  /** Told once when the offset is over {@link CLOCK_SKEW_WARN_MS}. */
  logger?: Logger;
}

/**
 * A reader of the database server's clock: PostgreSQL's `clock_timestamp()` (the time at the statement, not at the
 * transaction's start). Undefined on SQLite: one host, one clock.
 */
export function readDatabaseTime(db: Kysely<StateTables>, dialect: StorageDialect): (() => Promise<number>) | undefined {
  if (dialect === "sqlite") return undefined;
  return async () => {
    const row = (await sql<{ t: number | string }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS t`.execute(db)).rows[0]!;
    return Number(row.t);
  };
}

/**
 * The database clock of one engine (see {@link DatabaseClock}).
 *
 * @example
 * const clock = createDatabaseClock({ read: readDatabaseTime(db, "postgres"), host: () => Date.now() + 90_000 }); // a host 90 s fast
 */
export function createDatabaseClock(options: DatabaseClockOptions = {}): DatabaseClock {
  const host = options.host ?? (() => Date.now());
  let offset = 0;
  let warned = false;
  return {
    now: () => host() + offset,
    get offsetMs() {
      return offset;
    },
    async sync() {
      if (!options.read) return offset;
      const before = host();
      const db = await options.read();
      const after = host();
      const measured = db - (before + after) / 2;
      // The server read its clock somewhere within the round trip: an offset inside half of it (plus Date.now's
      // 1 ms resolution) is no skew this measurement can show, and is taken as none — one host's clock reads the same.
      offset = Math.abs(measured) <= (after - before) / 2 + 1 ? 0 : measured;
      if (Math.abs(offset) > CLOCK_SKEW_WARN_MS && !warned) {
        warned = true;
        options.logger?.warn({ offsetMs: Math.round(offset) }, "this host's clock differs from the database's; lease times use the database's (check NTP)");
      }
      return offset;
    },
  };
}
