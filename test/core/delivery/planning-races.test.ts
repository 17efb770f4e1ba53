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
});
