// Batched planning against what changes while it runs: a target unsubscribed while later batches are still being planned.
import { afterEach, describe, expect, it } from "vitest";
import { testBackends } from "../storage/backends.js";
import { digestOn, FakeClock, harness, MemoryArchive, ScriptedPublisher } from "./helpers.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  it("a target unsubscribed while the broadcast's later batches are planned gets nothing that day", async () => {
    h = harness({ POST_CRON: "0 9 * * *" }, backend);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive: new MemoryArchive([digestOn(DAY)]), clock });
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    const targets = Array.from({ length: 20 }, (_, i) => `-${100 + i}`);
    for (const id of targets) await engine.subscribe({ platform: "telegram", id });
    // The admin's /unsubscribe lands after the first batch (8 targets) is committed, as the second one is planned.
    const planRuns = db.ledger.planRuns.bind(db.ledger);
    let batches = 0;
    let gone: string | undefined;
    db.ledger.planRuns = async (runs) => {
      if (++batches === 2) {
        gone = runs[0]!.targetId;
        expect(await engine.unsubscribe({ platform: "telegram", id: gone })).toBe(true);
      }
      return planRuns(runs);
    };
    clock.set(SLOT);
    await engine.tick();
    expect(batches).toBe(2);
    expect(new Set(tg.received.map((s) => s.target))).toEqual(new Set(targets.filter((t) => t !== gone)));
  });

  it("a batch whose commit's answer was lost is tried again and sent once; one the database keeps refusing is planned on the next tick, the batches after it go on", async () => {
    h = harness({ POST_CRON: "0 9 * * *" }, backend);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive: new MemoryArchive([digestOn(DAY)]), clock });
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    const targets = Array.from({ length: 30 }, (_, i) => `-${100 + i}`);
    for (const id of targets) await engine.subscribe({ platform: "telegram", id });
    const planRuns = db.ledger.planRuns.bind(db.ledger);
    let calls = 0;
    // The second batch's targets (8 to 23): the database refuses every write holding one of them during the first tick.
    const refused = new Set(targets.slice(8, 24));
    let refusing = true;
    db.ledger.planRuns = async (runs) => {
      calls++;
      // The first batch commits, then the connection drops before the answer.
      if (calls === 1) {
        await planRuns(runs);
        throw new Error("Connection terminated unexpectedly");
      }
      if (refusing && runs.some((r) => refused.has(r.targetId))) throw new Error("Connection terminated unexpectedly");
      return planRuns(runs);
    };
    clock.set(SLOT);
    await engine.tick();
    const perTarget = () => {
      const n = new Map<string, number>();
      for (const s of tg.received) n.set(s.target, (n.get(s.target) ?? 0) + 1);
      return n;
    };
    const post = tg.received.filter((s) => s.target === tg.received[0]!.target).length;
    // Batches of 8, 16 (failed three times), then the last 6.
    expect(perTarget().size).toBe(8 + 6);
    expect([...perTarget().values()].every((n) => n === post)).toBe(true);
    refusing = false;
    clock.set("2026-02-18T09:01:00Z");
    await engine.tick();
    expect(perTarget().size).toBe(30);
    expect([...perTarget().values()].every((n) => n === post)).toBe(true);
    expect(await db.ledger.possibleDuplicates()).toBe(0);
  });
});

describe("on postgres, two instances", () => {
  it.runIf(testBackends().includes("postgres"))("planning overlapping batches at once, in opposite orders, never deadlock and plan each slot once", async () => {
    h = harness({}, "postgres");
    const [a, b] = [await h.open(), await h.open()];
    const targets = Array.from({ length: 64 }, (_, i) => `-${1000 + i}`);
    for (const id of targets) await a.subscriptions.upsert("telegram", id, undefined, "2026-02-17T12:00:00Z");
    const runs = (instance: string, ids: string[]) =>
      ids.map((targetId) => ({
        runId: `s-${instance}`, kind: "scheduled" as const, platform: "telegram" as const, targetId, digestDate: DAY,
        slot: SLOT, payloads: ["header", "section"], now: SLOT, whileSubscribed: true,
      }));
    const [x, y] = await Promise.all([a.ledger.planRuns(runs("a", targets)), b.ledger.planRuns(runs("b", [...targets].reverse()))]);
    const planned = [...x, ...y].filter((o) => o === "planned").length;
    expect(planned).toBe(targets.length);
    expect([...x, ...y].filter((o) => o !== "planned").every((o) => o === "taken")).toBe(true);
    const n = await a.db.selectFrom("deliveries").select(({ fn }) => fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(2 * targets.length);
  });
});
