// Child process for the kill -9 test of batched planning: plans batch after batch of runs until it is killed.
import { openPostgresStorage, openSqliteStorage } from "../../../src/core/storage/open-storage.js";
import type { PlanRunInput } from "../../../src/core/storage/types.js";

const BATCH = Number(process.env.CHILD_BATCH);
const PARTS = Number(process.env.CHILD_PARTS);
const storage = process.env.DATABASE_URL ? await openPostgresStorage(process.env.DATABASE_URL) : await openSqliteStorage(process.env.DATA_DIR!);
// Large payloads, so each transaction takes a while and a kill lands inside one.
const payloads = Array.from({ length: PARTS }, (_, i) => ({ text: `part ${i} `.repeat(400) }));
for (let batch = 0; ; batch++) {
  const runs: PlanRunInput[] = Array.from({ length: BATCH }, (_, i) => ({
    runId: `m20260218-b${batch}`,
    kind: "manual",
    platform: "telegram",
    targetId: String(-1_000_000 - i),
    digestDate: "2026-02-18",
    payloads,
    now: new Date().toISOString(),
  }));
  await storage.ledger.planRuns(runs);
  process.stdout.write(`COMMITTED ${batch + 1}\n`);
}
