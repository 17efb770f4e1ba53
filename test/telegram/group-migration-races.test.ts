// A group's subscription moving to its supergroup's id (migrate_to_chat_id) while another instance plans the day's post, on PostgreSQL, interleaved step by step through row locks held on a third connection.
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import type { PlanRunInput, Storage } from "../../src/core/storage/types.js";
import { followGroupMigration } from "../../src/telegram/telegram-migration.js";
import { storageOpener, testBackends } from "../core/storage/backends.js";
import { openPgHold } from "../core/storage/pg-hold.js";

const OLD = "-4242";
const NEW = "-1009990001";
const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00.000Z";
const T0 = "2026-02-17T12:00:00.000Z";
const logger = createLogger({ level: "silent" });

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const post = (runId: string, targetId: string): PlanRunInput => ({
  runId, kind: "scheduled", platform: "telegram", targetId, digestDate: DAY, slot: SLOT, payloads: ["header", "section"], now: SLOT, whileSubscribed: true,
});

describe.runIf(testBackends().includes("postgres"))("a subscription moved while a post is planned, on postgres", () => {
  /** Two instances' connections and a third one (`hold`) whose open transaction holds the row locks that pause them. */
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
    await a.subscriptions.upsert("telegram", OLD, undefined, T0);
    const waitingOnHold = () => hold.waitingOnHold();
    const waitingOnSubscription = () => hold.waitingOnRow("subscriptions");
    const migrate = (on: Storage) => followGroupMigration(on, Number(OLD), Number(NEW), SLOT, logger);
    /** Where the post can still go: open parts per target, and which ids are subscribed. */
    const state = async (on: Storage) => ({
      old: (await on.subscriptions.get("telegram", OLD)) !== undefined,
      new: (await on.subscriptions.get("telegram", NEW)) !== undefined,
      openAtOld: (await on.ledger.openParts("telegram", OLD)).length,
      openAtNew: (await on.ledger.openParts("telegram", NEW)).map((p) => `${p.runId}#${p.partIndex}`),
    });
    return { a, b, hold, waitingOnHold, waitingOnSubscription, migrate, state };
  }

  it("planned first: the move waits for the planning's FOR SHARE, then skips the parts it planned at the old id and gives them to the new id", async () => {
    const { a, b, hold, waitingOnHold, waitingOnSubscription, migrate, state } = await setup();
    // The planning of A reads the subscription FOR SHARE, then its insert of the run waits behind `hold`'s uncommitted run.
    await hold.query("BEGIN");
    await hold.query(`INSERT INTO runs (run_id, kind, platform, target_id, digest_date, slot, created_at) VALUES ('s-hold', 'scheduled', 'telegram', $1, $2, $3, $4)`, [OLD, DAY, SLOT, SLOT]);
    const planning = a.ledger.planRuns([post("s-a", OLD)]);
    await waitingOnHold();
    // The group is upgraded; B handles the service message: its move waits for A's planning to commit.
    const moving = migrate(b);
    await waitingOnSubscription();
    await hold.query("ROLLBACK");
    expect(await planning).toEqual(["planned"]);
    expect(await moving).toBe("moved");
    // Not lost, and not twice: the post's parts wait at the new id, and the next tick plans nothing more for the slot.
    expect(await state(b)).toMatchObject({ old: false, new: true, openAtOld: 0, openAtNew: ["s-a#0", "s-a#1"] });
    expect(await a.ledger.planRuns([post("s-next", NEW)])).toEqual(["taken"]);
  });

  it("moved first: the planning's FOR SHARE waits for the move and finds no subscription at the old id; the new id gets the post on the next tick", async () => {
    const { a, b, hold, waitingOnHold, waitingOnSubscription, migrate, state } = await setup();
    // B's move holds the old row FOR UPDATE; its insert at the new id waits behind `hold`'s uncommitted one.
    await hold.query("BEGIN");
    await hold.query(`INSERT INTO subscriptions (platform, target_id, created_at, updated_at) VALUES ('telegram', $1, $2, $2)`, [NEW, T0]);
    const moving = migrate(b);
    await waitingOnHold();
    const planning = a.ledger.planRuns([post("s-a", OLD)]);
    await waitingOnSubscription();
    await hold.query("ROLLBACK");
    expect(await moving).toBe("moved");
    expect(await planning).toEqual(["unsubscribed"]);
    expect(await state(b)).toMatchObject({ old: false, new: true, openAtOld: 0, openAtNew: [] });
    expect(await a.ledger.planRuns([post("s-next", NEW)])).toEqual(["planned"]);
  });

  it("once the move can be seen, nothing is left to send at the old id: the move and the skipping of its open parts commit together", async () => {
    const { a, b, hold, waitingOnHold, migrate, state } = await setup();
    expect(await a.ledger.planRuns([post("s-a", OLD)])).toEqual(["planned"]);
    // `hold` has the old id's parts locked: whatever skips them waits there.
    await hold.query("BEGIN");
    await hold.query(`SELECT 1 FROM deliveries WHERE platform = 'telegram' AND target_id = $1 FOR UPDATE`, [OLD]);
    const moving = migrate(b);
    await waitingOnHold();
    // What another instance's sender sees meanwhile: the subscription still at the old id with its parts, or moved
    // with none — never moved with parts left that it would send to the old chat.
    expect(await state(a)).toMatchObject({ old: true, new: false, openAtOld: 2, openAtNew: [] });
    await hold.query("ROLLBACK");
    expect(await moving).toBe("moved");
    expect(await state(a)).toMatchObject({ old: false, new: true, openAtOld: 0, openAtNew: ["s-a#0", "s-a#1"] });
  });

  it("the supergroup subscribed already, planned with the group in one batch while the move runs: no deadlock, the post goes once to the new id", async () => {
    const { a, b, hold, waitingOnHold, migrate, state } = await setup();
    await a.subscriptions.upsert("telegram", NEW, undefined, T0);
    // `hold` shares the supergroup's row: the move, having locked the group's, waits there for it.
    await hold.query("BEGIN");
    await hold.query(`SELECT 1 FROM subscriptions WHERE platform = 'telegram' AND target_id = $1 FOR SHARE`, [NEW]);
    const moving = migrate(b);
    await waitingOnHold();
    // A batch of both targets locks their rows in id order (the supergroup's first), as every planning does.
    const planning = a.ledger.planRuns([post("s-old", OLD), post("s-new", NEW)]);
    const waiting = async () => Number(((await hold.query("SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'")) as { rows: { n: string }[] }).rows[0]!.n);
    for (let i = 0; i < 40 && (await waiting()) < 2; i++) await new Promise((r) => setTimeout(r, 25));
    await hold.query("ROLLBACK");
    const [moved, planned] = await Promise.allSettled([moving, planning]);
    expect(moved).toEqual({ status: "fulfilled", value: "moved" });
    expect(planned.status === "rejected" ? String(planned.reason) : "fulfilled").toBe("fulfilled");
    expect(await state(a)).toMatchObject({ old: false, new: true, openAtOld: 0 });
    expect(new Set((await state(a)).openAtNew.map((p) => p.split("#")[0])).size).toBe(1);
  });
});
