// Runs of a digest whose messages still wait to be sent: a correction of that digest has to wait for them.
import type { Kysely } from "kysely";
import { OPEN } from "./open-parts.js";
import type { StateTables } from "./schema.js";

/** The key of one run at one target, as `unsentRuns` gives it. */
export const runTargetKey = (run: { runId: string; platform: string; targetId: string }) => `${run.runId}\u0000${run.platform}\u0000${run.targetId}`;

/**
 * The runs of `digestDate` with a message still to send (pending or in flight), by `runTargetKey`. Read through the
 * index of open parts: a few rows, whatever the size of the ledger.
 */
export async function unsentRuns(db: Kysely<StateTables>, digestDate: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom("deliveries")
    .select(["run_id", "platform", "target_id"])
    .distinct()
    .where("status", "in", OPEN)
    .where("digest_date", "=", digestDate)
    .where("operation", "=", "send")
    .execute();
  return new Set(rows.map((r) => runTargetKey({ runId: r.run_id, platform: r.platform, targetId: r.target_id })));
}
