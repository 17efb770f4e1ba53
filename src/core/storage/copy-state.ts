// Copies every state row from one store to another (SQLite → PostgreSQL for `digest-bot migrate`), in one transaction.
import { sql } from "kysely";
import { runOrder } from "./ledger-store.js";
import { StorageError } from "./migrations.js";
import type { Storage } from "./types.js";

/** Rows per INSERT: well under PostgreSQL's 65,535 bind parameters for the widest table (19 columns). */
const BATCH = 500;

export interface CopyCounts {
  subscriptions: number;
  runs: number;
  deliveries: number;
}

/**
 * Copies subscriptions, runs (in planning order, so the target lists them in the same order), the ledger, the
 * corrections and the stored search pages from
 * `from` into `to`, which must hold no state yet; all or nothing.
 *
 * @example
 * const counts = await copyState(await openSqliteFile("data/state/digest-bot.sqlite"), await openPostgresStorage(url));
 */
export async function copyState(from: Storage, to: Storage): Promise<CopyCounts> {
  const existing = await Promise.all(
    (["subscriptions", "runs", "deliveries"] as const).map(async (table) =>
      Number((await to.db.selectFrom(table).select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n),
    ),
  );
  if (existing.some((n) => n > 0)) {
    throw new StorageError(
      `state: ${to.location} already holds state (${existing[0]} subscriptions, ${existing[1]} runs, ${existing[2]} messages); migrate into an empty database`,
    );
  }
  const subscriptions = await from.db.selectFrom("subscriptions").selectAll().orderBy("created_at").execute();
  // PostgreSQL's own `seq` is not copied: the target numbers the runs again, in this order.
  const runs = (await from.db.selectFrom("runs").selectAll().orderBy(runOrder(from.dialect)).execute()).map((r) => {
    const { seq: _seq, ...rest } = r as typeof r & { seq?: unknown };
    return rest;
  });
  const deliveries = await from.db.selectFrom("deliveries").selectAll().orderBy("run_id").orderBy("platform").orderBy("target_id").orderBy("part_index").execute();
  // Corrections too: without them a later revision would re-plan from the original messages and re-send extra parts.
  const requests = await from.db.selectFrom("revision_requests").selectAll().orderBy("digest_date").execute();
  const revisions = (await from.db.selectFrom("revisions").selectAll().orderBy("seq").execute()).map(({ seq: _seq, ...rest }) => rest);
  // Page requests too, so the buttons of searches answered before the move keep working.
  const searchPages = await from.db.selectFrom("search_pages").selectAll().orderBy("key").execute();
  const revisionParts = await from.db.selectFrom("revision_parts").selectAll().orderBy("revision_id").orderBy("platform").orderBy("target_id").orderBy("part_index").execute();
  // Personal alerts: the watches (in their order, which /unwatch numbers follow) and the alerts already planned or sent.
  const watches = (await from.db.selectFrom("watches").selectAll().orderBy("seq").execute()).map(({ seq: _seq, ...rest }) => rest);
  const alerts = await from.db.selectFrom("watch_alerts").selectAll().orderBy("platform").orderBy("target_id").orderBy("story_id").execute();
  await to.db.transaction().execute(async (trx) => {
    for (let i = 0; i < subscriptions.length; i += BATCH) await trx.insertInto("subscriptions").values(subscriptions.slice(i, i + BATCH)).execute();
    // Multi-row VALUES are numbered in order, so PostgreSQL's seq follows the source's planning order.
    for (let i = 0; i < runs.length; i += BATCH) await trx.insertInto("runs").values(runs.slice(i, i + BATCH)).execute();
    for (let i = 0; i < deliveries.length; i += BATCH) await trx.insertInto("deliveries").values(deliveries.slice(i, i + BATCH)).execute();
    for (let i = 0; i < requests.length; i += BATCH) await trx.insertInto("revision_requests").values(requests.slice(i, i + BATCH)).execute();
    for (let i = 0; i < revisions.length; i += BATCH) await trx.insertInto("revisions").values(revisions.slice(i, i + BATCH)).execute();
    for (let i = 0; i < revisionParts.length; i += BATCH) await trx.insertInto("revision_parts").values(revisionParts.slice(i, i + BATCH)).execute();
    for (let i = 0; i < searchPages.length; i += BATCH) await trx.insertInto("search_pages").values(searchPages.slice(i, i + BATCH)).execute();
    for (let i = 0; i < watches.length; i += BATCH) await trx.insertInto("watches").values(watches.slice(i, i + BATCH)).execute();
    for (let i = 0; i < alerts.length; i += BATCH) await trx.insertInto("watch_alerts").values(alerts.slice(i, i + BATCH)).execute();
  });
  return { subscriptions: subscriptions.length, runs: runs.length, deliveries: deliveries.length };
}
