// Scheduled planning on both backends: one target that cannot be planned is held back with its reason, the others are sent.
import { afterEach, describe, expect, it } from "vitest";
import type { Publisher } from "../../../src/core/delivery/publisher.js";
import { testBackends } from "../storage/backends.js";
import { digestOn, FakeClock, harness, MemoryArchive, recordingLogger, rows, ScriptedPublisher } from "./helpers.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  async function setup(count: number) {
    h = harness({ POST_CRON: "0 9 * * *" }, backend);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const { logger, lines } = recordingLogger();
    const engine = await h.engine({ db, archive: new MemoryArchive([digestOn(DAY)]), clock, logger });
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    const targets = Array.from({ length: count }, (_, i) => `-${100 + i}`);
    for (const id of targets) await engine.subscribe({ platform: "telegram", id });
    const reached = () => new Set(tg.received.map((s) => s.target));
    const failures = (target: string) => lines.filter((l) => l.level === 50 && l.target === target);
    return { clock, db, engine, tg, targets, reached, failures, lines };
  }

  it("a target whose rows the database refuses is found in its batch and held back with a doubling wait; every other target is sent at once", async () => {
    const { clock, db, engine, targets, reached, failures } = await setup(30);
    const bad = targets[13]!;
    const refusal = 'invalid byte sequence for encoding "UTF8": 0x00';
    const planRuns = db.ledger.planRuns.bind(db.ledger);
    let refusing = true;
    let triesOfBad = 0;
    db.ledger.planRuns = async (runs) => {
      if (runs.some((r) => r.targetId === bad)) {
        triesOfBad++;
        if (refusing) throw new Error(refusal);
      }
      return planRuns(runs);
    };
    clock.set(SLOT);
    await engine.tick();
    expect(reached()).toEqual(new Set(targets.filter((t) => t !== bad)));
    // The batch of 16 holding it: 3 tries, then halves of 8, 4, 2 and 1 until it stands alone.
    expect(triesOfBad).toBe(3 + 4);
    expect(failures(bad).map((l) => [l.msg, (l.err as { message: string }).message, l.failures, l.retryAt])).toEqual([
      [`could not plan the scheduled delivery of telegram:${bad}; the other targets go on, this one is tried again in 1 min`, refusal, 1, "2026-02-18T09:01:00.000Z"],
    ]);
    // Tried again on the next tick, alone (its 3 tries; failing again: then 2 min), not on the one after.
    clock.set("2026-02-18T09:01:00Z");
    await engine.tick();
    expect(triesOfBad).toBe(7 + 3);
    expect(failures(bad).at(-1)?.msg).toBe(`could not plan the scheduled delivery of telegram:${bad}; the other targets go on, this one is tried again in 2 min`);
    clock.set("2026-02-18T09:02:00Z");
    await engine.tick();
    expect(triesOfBad).toBe(7 + 3);
    // Once the database takes it, it is planned and sent like the others, once.
    refusing = false;
    clock.set("2026-02-18T09:03:00Z");
    await engine.tick();
    expect(reached()).toEqual(new Set(targets));
    const perTarget = await rows<{ target_id: string; n: number }>(db, "SELECT target_id, count(*) AS n FROM runs GROUP BY target_id");
    expect(perTarget.map((r) => Number(r.n))).toEqual(targets.map(() => 1));
  });
  it("a subscription whose stored row cannot be read, or whose post cannot be rendered, is logged with its id and reason; the others are sent", async () => {
    const { clock, db, engine, tg, targets, reached, failures } = await setup(12);
    const [damaged, unrenderable] = [targets[2]!, targets[9]!];
    await rows(db, `UPDATE subscriptions SET options = '{"keywords":' WHERE target_id = '${damaged}'`);
    await db.subscriptions.setOptions("telegram", unrenderable, { silent: true }, "2026-02-17T12:00:00Z");
    const plan = tg.planDailyPost;
    (tg as Publisher<string>).planDailyPost = (post, options) => {
      if (options?.silent) throw new Error("cannot render a silent post");
      return plan(post);
    };
    clock.set(SLOT);
    await engine.tick();
    expect(reached()).toEqual(new Set(targets.filter((t) => t !== damaged && t !== unrenderable)));
    let parseError = "";
    try {
      JSON.parse('{"keywords":');
    } catch (err) {
      parseError = (err as Error).message;
    }
    const reason = (target: string) => failures(target).map((l) => [l.msg, (l.err as { message: string }).message]);
    expect(reason(damaged)).toEqual([
      [`could not plan the scheduled delivery of telegram:${damaged}; the other targets go on, this one is tried again in 1 min`, `its stored options could not be read (${parseError})`],
    ]);
    expect(reason(unrenderable)).toEqual([
      [`could not plan the scheduled delivery of telegram:${unrenderable}; the other targets go on, this one is tried again in 1 min`, "cannot render a silent post"],
    ]);
    // /status still lists every target, the damaged one included.
    expect((await engine.status()).targets.map((t) => t.targetId).sort()).toEqual([...targets].sort());
  });
});
