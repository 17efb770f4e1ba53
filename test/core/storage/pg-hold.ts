// A third PostgreSQL connection whose open transaction holds row locks that pause other connections' statements, and waits until one is paused: for deterministic interleavings.
import pg from "pg";

/** How a test pauses statements of other connections and tells when one waits. */
export interface PgHold {
  /** Runs a statement in the hold's own connection (BEGIN, a locking statement, ROLLBACK). */
  query(text: string, params?: unknown[]): Promise<unknown>;
  /** Resolves once some statement waits for the hold's transaction. */
  waitingOnHold(): Promise<void>;
  /**
   * Resolves once some statement waits for a row lock on `table` of this schema (another transaction's FOR SHARE /
   * FOR UPDATE) — or, with `orDone`, once that settles first (the statement did not wait: what a missing lock does).
   */
  waitingOnRow(table: string, orDone?: Promise<unknown>): Promise<void>;
  end(): Promise<void>;
}

/**
 * @example
 * const hold = await openPgHold(await opener.url());
 * await hold.query("BEGIN"); await hold.query("SELECT 1 FROM deliveries FOR UPDATE");
 * const moving = move(); await hold.waitingOnHold(); … await hold.query("ROLLBACK");
 */
export async function openPgHold(url: string): Promise<PgHold> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pid = Number((await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid);
  const count = async (text: string, params: unknown[] = []) => Number((await client.query<{ n: string }>(text, params)).rows[0]!.n);
  const until = async (probe: () => Promise<number>, orDone?: Promise<unknown>) => {
    let done = false;
    void orDone?.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 400; i++) {
      if (done || (await probe()) > 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("timed out waiting for a lock wait");
  };
  return {
    query: (text, params = []) => client.query(text, params),
    waitingOnHold: () =>
      until(() =>
        count(
          `SELECT count(*) AS n FROM pg_locks w WHERE NOT w.granted AND w.locktype = 'transactionid'
             AND EXISTS (SELECT 1 FROM pg_locks h WHERE h.pid = $1 AND h.granted AND h.locktype = 'transactionid' AND h.transactionid = w.transactionid)`,
          [pid],
        ),
      ),
    // A statement waiting for another transaction's row lock holds the row's tuple lock meanwhile.
    waitingOnRow: (table, orDone) => until(() => count(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'tuple' AND relation = $1::regclass`, [table]), orDone),
    end: () => client.end(),
  };
}
