// Batched planning on both backends: many runs per transaction, each once whoever plans it, all or none of a batch even after kill -9.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openPostgresStorage, openSqliteStorage } from "../../../src/core/storage/open-storage.js";
import type { PlanRunInput, Storage } from "../../../src/core/storage/types.js";
import { startBot, whileAlive } from "../delivery/bot-process.js";
import { createTestDatabase, testBackends, useStoreOpeners } from "./backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const SLOT = "2026-02-18T09:00:00.000Z";
const DAY = "2026-02-18";

const { opener, onCleanup } = useStoreOpeners("digest-bot-plan-runs-");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

const run = (runId: string, targetId: string, payloads: unknown[], extra: Partial<PlanRunInput> = {}): PlanRunInput => ({
  runId,
  kind: "manual",
  platform: "telegram",
  targetId,
  digestDate: DAY,
  payloads,
  now: T0,
  ...extra,
});

async function count(s: Storage, table: "runs" | "deliveries"): Promise<number> {
  const r = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(s.db);
  return Number(r.rows[0]!.n);
}

describe.each(testBackends())("on %s", (backend) => {
  it("records many runs with their parts in one call; a run already there or a slot already taken writes nothing", async () => {
    const s = await opener(backend)();
    await s.ledger.planRun(run("s-other", "-3", ["other"], { kind: "scheduled", slot: SLOT }));
    const outcomes = await s.ledger.planRuns([
      run("m1", "-1", [{ text: "a0" }, { text: "a1" }]),
      run("m1", "-2", [{ text: "b0" }]),
      run("s1", "-3", ["mine"], { kind: "scheduled", slot: SLOT }),
      run("s1", "-4", ["x"], { kind: "scheduled", slot: SLOT }),
    ]);
    expect(outcomes).toEqual(["planned", "planned", "taken", "planned"]);
    expect((await s.ledger.runParts("m1")).map((p) => [p.targetId, p.partIndex, p.partCount, p.payload, p.status])).toEqual([
      ["-1", 0, 2, { text: "a0" }, "pending"],
      ["-1", 1, 2, { text: "a1" }, "pending"],
      ["-2", 0, 1, { text: "b0" }, "pending"],
    ]);
    // Each part has its own idempotency key, as when planned one by one.
    expect(new Set((await s.ledger.runParts("m1")).map((p) => p.idempotencyKey)).size).toBe(3);
    expect((await s.ledger.openParts("telegram", "-3")).map((p) => p.payload)).toEqual(["other"]);
    // The same batch again (a retry after a commit whose answer was lost): recorded before, nothing written twice.
    const again = await s.ledger.planRuns([run("m1", "-1", ["changed"]), run("m1", "-2", ["changed"]), run("s1", "-3", ["mine"], { kind: "scheduled", slot: SLOT })]);
    expect(again).toEqual(["exists", "exists", "taken"]);
    expect(await count(s, "deliveries")).toBe(5);
    expect(await s.ledger.planRuns([])).toEqual([]);
  });

  it("writes none of a batch when one of its runs cannot be written", async () => {
    const s = await opener(backend)();
    // A payload JSON cannot carry (undefined): the parts insert fails after the runs insert, in the same transaction.
    const batch = [run("m1", "-1", ["a"]), run("m1", "-2", [undefined]), run("m1", "-3", ["c"])];
    await expect(s.ledger.planRuns(batch)).rejects.toThrow();
    expect([await count(s, "runs"), await count(s, "deliveries")]).toEqual([0, 0]);
    expect(await s.ledger.targetsWithOpenParts()).toEqual([]);
  });

  it("reads the slot and delivery state of many targets at once", async () => {
    const s = await opener(backend)();
    const other = "2026-02-19T09:00:00.000Z";
    await s.ledger.planRun(run("s1", "-1", ["a"], { kind: "scheduled", slot: SLOT }));
    await s.ledger.skipSlot({ runId: "s2", platform: "telegram", targetId: "-2", slot: SLOT, note: "late", now: T0 });
    await s.ledger.planRun(run("r1", "-3", ["a"], { kind: "repost" }));
    await s.ledger.planRun(run("s3", "-4", ["a"], { kind: "scheduled", slot: other }));
    await s.ledger.planRun({ ...run("s4", "-5", ["a"], { kind: "scheduled", slot: SLOT }), platform: "discord" });
    const refs = ["-1", "-2", "-3", "-4", "-5"].map((targetId) => ({ platform: "telegram" as const, targetId, slot: SLOT }));
    expect(await s.ledger.slotStates(refs, DAY)).toEqual([
      { slotTaken: true, delivered: true },
      // A skipped slot is taken, and delivered nothing.
      { slotTaken: true, delivered: false },
      // A repost is no scheduled delivery.
      { slotTaken: false, delivered: false },
      { slotTaken: false, delivered: true },
      // The same id on another platform is another target.
      { slotTaken: false, delivered: false },
    ]);
    expect(await s.ledger.slotStates(refs.slice(0, 1), undefined)).toEqual([{ slotTaken: true, delivered: false }]);
    // Many more targets than one read's id list.
    const many = Array.from({ length: 1200 }, (_, i) => ({ platform: "telegram" as const, targetId: String(-10_000 - i), slot: SLOT }));
    expect((await s.ledger.slotStates([...many, refs[0]!], DAY)).at(-1)).toEqual({ slotTaken: true, delivered: true });
  });

  it("kill -9 in the middle of batched planning leaves each target's run planned whole or not at all", { timeout: 60_000 }, async () => {
    const BATCH = 256;
    const PARTS = 3;
    const dir = mkdtempSync(join(tmpdir(), "digest-bot-plan-kill-"));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
    const database = backend === "postgres" ? await createTestDatabase() : undefined;
    if (database) onCleanup(() => database.drop());
    const env: Record<string, string> = { DATA_DIR: dir, CHILD_BATCH: String(BATCH), CHILD_PARTS: String(PARTS), ...(database ? { DATABASE_URL: database.url } : {}) };
    const child = await startBot(join(import.meta.dirname, "plan-runs-child.ts"), env, "COMMITTED 2", children);
    // Some time into the next batches: most of the child's time is spent inside a transaction.
    await whileAlive(child, new Promise((r) => setTimeout(r, 15 + Math.random() * 40)));
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const s = database ? await openPostgresStorage(database.url) : await openSqliteStorage(dir);
    onCleanup(() => s.close());
    const runs = await count(s, "runs");
    expect(runs).toBeGreaterThanOrEqual(2 * BATCH);
    expect(runs % BATCH).toBe(0);
    expect(await count(s, "deliveries")).toBe(runs * PARTS);
    // No run without all its parts.
    const incomplete = await sql<{ run_id: string }>`
      SELECT r.run_id FROM runs r LEFT JOIN deliveries d ON d.run_id = r.run_id AND d.target_id = r.target_id
      GROUP BY r.run_id, r.target_id HAVING count(d.part_index) <> ${PARTS}`.execute(s.db);
    expect(incomplete.rows).toEqual([]);
  });
});
