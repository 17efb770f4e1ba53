// On PostgreSQL, a skipped day turned into its delivery and the next slot planned at the same moment on another connection serialise on the subscription's row: one of them carries the day's post, never both.
import { afterEach, describe, expect, it } from "vitest";
import { NO_KEYWORD_MATCH_NOTE, noKeywordMatchNote } from "../../../src/core/delivery/keyword-filter.js";
import { planSkippedDay, skippedDays } from "../../../src/core/storage/skipped-days.js";
import type { PlanRunInput } from "../../../src/core/storage/types.js";
import { storageOpener, testBackends } from "./backends.js";
import { openPgHold } from "./pg-hold.js";

const DAY = "2026-02-18";
const S1 = "2026-02-18T09:00:00.000Z";
const S2 = "2026-02-18T21:00:00.000Z";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe.runIf(testBackends().includes("postgres"))("a skipped day and the next slot at once, on postgres", () => {
  async function setup() {
    const o = storageOpener("postgres", "/nonexistent");
    const [a, b] = [await o.open(), await o.open()];
    const hold = await openPgHold(await o.url());
    cleanups.push(async () => {
      await hold.end().catch(() => {});
      await a.close();
      await b.close();
      await o.drop();
    });
    await a.subscriptions.upsert("telegram", "-1", undefined, "2026-02-17T12:00:00.000Z");
    await a.ledger.skipSlot({ runId: "s-09", platform: "telegram", targetId: "-1", slot: S1, digestDate: DAY, note: noKeywordMatchNote(DAY, ["区块链"], false), now: S1 });
    const [day] = await skippedDays(a.db, DAY, NO_KEYWORD_MATCH_NOTE);
    // A (the revision) sends the skipped day; B plans the 21:00 slot with the same digest.
    const sendDay = () => planSkippedDay(a.db, "postgres", day!, { sections: "all", payloads: ["header", "story"], now: S2 });
    const next: PlanRunInput = { runId: "s-21", kind: "scheduled", platform: "telegram", targetId: "-1", digestDate: DAY, slot: S2, payloads: ["header", "story"], now: S2, whileSubscribed: true, oncePerDigest: true };
    const planNext = () => b.ledger.planRuns([next]);
    const carrying = async () => (await a.db.selectFrom("runs").select("slot").where("outcome", "=", "planned").orderBy("slot").execute()).map((r) => r.slot);
    return { hold, sendDay, planNext, carrying };
  }

  it("the next slot holds the subscription first: the skipped day waits for it, then finds the later slot and is not sent", async () => {
    const { hold, sendDay, planNext, carrying } = await setup();
    // B has read the subscription FOR SHARE; its insert of the run waits behind `hold`'s uncommitted one.
    await hold.query("BEGIN");
    await hold.query(`INSERT INTO runs (run_id, kind, platform, target_id, digest_date, slot, created_at) VALUES ('s-hold', 'scheduled', 'telegram', '-1', $1, $2, $2)`, [DAY, S2]);
    const planning = planNext();
    await hold.waitingOnHold();
    const sending = sendDay();
    // It waits for B's lock (or, were there none, it would finish now).
    await hold.waitingOnRow("subscriptions", sending);
    await hold.query("ROLLBACK");
    expect(await planning).toEqual(["planned"]);
    expect(await sending).toBe(false);
    expect(await carrying()).toEqual([S2]);
  });

  it("the skipped day holds the subscription first: the next slot waits for it, then finds the digest delivered and plans nothing", async () => {
    const { hold, sendDay, planNext, carrying } = await setup();
    // A has locked the subscription; its update of the skipped run waits behind `hold`'s lock on that row.
    await hold.query("BEGIN");
    await hold.query(`SELECT 1 FROM runs WHERE run_id = 's-09' FOR UPDATE`);
    const sending = sendDay();
    await hold.waitingOnHold();
    const planning = planNext();
    await hold.waitingOnRow("subscriptions", planning);
    await hold.query("ROLLBACK");
    expect(await sending).toBe(true);
    expect(await planning).toEqual(["delivered"]);
    expect(await carrying()).toEqual([S1]);
  });
});
