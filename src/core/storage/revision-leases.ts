// The key of one revision operation in the revision_parts table (claims on it are lease-store.ts's, on that table).
import type { ExpressionBuilder } from "kysely";
import type { StateTables } from "./schema.js";
import type { PartKey } from "./types.js";

type Eb = ExpressionBuilder<StateTables, "revision_parts">;

/** The row of one revision operation (its revision id is the part key's `runId`). */
export const isRevisionPart = (eb: Eb, key: PartKey) =>
  eb.and([
    eb("revision_id", "=", key.runId),
    eb("platform", "=", key.platform),
    eb("target_id", "=", key.targetId),
    eb("part_index", "=", key.partIndex),
  ]);
