// The open parts of a delivery, a revision or an alert (pending, or in flight): what "open" means, and skipping a target's open parts, once for every part table.
import type { Kysely } from "kysely";
import type { StateTables } from "./schema.js";
import type { PartStatus } from "./types.js";

/** A part still to be sent or being sent: not sent, failed for good nor skipped. */
export const OPEN: readonly PartStatus[] = ["pending", "in-flight"];

/** The tables of parts bound for a target whose open parts a target's removal skips. */
type PartTable = "deliveries" | "revision_parts";

/** The columns skipping reads and writes, common to both tables. */
interface OpenPartRow {
  platform: string;
  target_id: string;
  status: string;
  last_error: string | null;
  updated_at: string;
}

/** Marks every open part of one target in `table` skipped for `reason`: nothing of it is sent any more. */
export async function skipOpenPartsOf(state: Kysely<StateTables>, table: PartTable, platform: string, targetId: string, reason: string, now: string): Promise<void> {
  // Both tables have these columns under the same names: one typed view names the table once.
  const db = state as unknown as Kysely<{ parts: OpenPartRow }>;
  await db
    .updateTable(table as unknown as "parts")
    .set({ status: "skipped", last_error: reason, updated_at: now })
    .where("platform", "=", platform)
    .where("target_id", "=", targetId)
    .where("status", "in", OPEN)
    .execute();
}
