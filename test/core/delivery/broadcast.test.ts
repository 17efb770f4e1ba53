// Broadcast on both backends: possible duplicates counted in the ledger, targets in parallel, O(1) ledger work per message, the deadline rule, prompt stops.
import { afterEach, describe, expect, it } from "vitest";
import { renderReplyText } from "../../../src/core/render-text.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import { settled } from "../../load-slack.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness, MemoryArchive, recordingLogger, ScriptedPublisher } from "./helpers.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  async function setup(env: Record<string, string> = { TELEGRAM_CHAT_IDS: "-1001" }, archive = new MemoryArchive([digestOn(DAY)])) {
    h = harness({ POST_CRON: "0 9 * * *", ...env }, backend);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const { logger, lines } = recordingLogger();
    const engine = await h.engine({ db, archive, clock, logger });
    const expected = new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(DAY)));
    return { archive, clock, db, engine, expected, lines };
  }

  it("counts a re-send after an ambiguous failure as a possible duplicate, in the ledger and in /status, with each attempt recorded", async () => {
    const { clock, db, engine, lines } = await setup();
    const tg = new ScriptedPublisher("telegram");
    tg.script = [{ status: "accept-then-502" }];
    engine.registerPublisher(tg);
    clock.set(SLOT);
    await engine.tick();
    expect(tg.received[0]!.text).toBe(tg.received[1]!.text);
    expect(await column(db, "SELECT attempts FROM deliveries WHERE part_index = 0")).toEqual([2]);
    expect(await db.ledger.possibleDuplicates()).toBe(1);
    expect((await engine.status()).targets[0]).toMatchObject({ possibleDuplicates: 1, lastDelivery: { status: "sent" } });
    expect(lines.filter((l) => l.possibleDuplicate === true).map((l) => l.level)).toEqual([40]);
    const shown = renderReplyText({ type: "status", digests: { count: 1 }, targets: (await engine.status()).targets }, "en");
    expect(shown).toContain("  possible duplicates: 1 (re-sent where the platform cannot de-duplicate; each may show twice)");
  });

  it("does not count a 429 retry or a re-send the platform de-duplicates", async () => {
    const { clock, db, engine } = await setup({ TELEGRAM_CHAT_IDS: "-1001", DISCORD_CHANNEL_IDS: "123456" });
    const tg = new ScriptedPublisher("telegram");
    tg.script = [{ status: 429, retryAfterMs: 1 }];
    const dc = new ScriptedPublisher("discord", { dedupe: true });
    dc.script = [{ status: "accept-then-502" }];
    engine.registerPublisher(tg);
    engine.registerPublisher(dc);
    clock.set(SLOT);
    await engine.tick();
    expect(await db.ledger.possibleDuplicates()).toBe(0);
    // Both retried (two attempts each for the first part), neither counted: a 429 was refused, Discord drops the repeat.
    expect(await column(db, "SELECT attempts FROM deliveries WHERE part_index = 0 ORDER BY platform")).toEqual([2, 2]);
  });

  it("lets the other targets finish while one target's send hangs, and stops without waiting for it", async () => {
    const { clock, engine, expected } = await setup({ TELEGRAM_CHAT_IDS: "-1001,-1002,-1003" });
    const tg = new ScriptedPublisher("telegram");
    tg.script = ["hang"];
    engine.registerPublisher(tg);
    clock.set(SLOT);
    const tick = engine.tick();
    for (let i = 0; i < 500 && tg.received.length < 2 * expected.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(new Set(tg.received.map((s) => s.target)).size).toBe(2);
    // The hung send never answers: the stop ends only by giving up on it after the grace period.
    await settled("the stop while a send hangs", Promise.all([engine.stop(), tick]));
  });

  it("reposts to every subscription at once and reports each target's result from that target's own parts", async () => {
    const targets = Array.from({ length: 30 }, (_, i) => `-10${i}`);
    const { engine, db, expected } = await setup({ TELEGRAM_CHAT_IDS: targets.join(",") });
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    const result = await engine.repost({ to: "all-subscriptions" });
    expect(result.messagesSent).toBe(targets.length * expected.length);
    expect(result.pending).toEqual([]);
    expect((await column(db, "SELECT count(*) AS n FROM deliveries WHERE status = 'sent'")).map(Number)).toEqual([targets.length * expected.length]);
  });

  it("never sends a digest older than the deadline as a scheduled post, says why in the log and in /status", async () => {
    const { clock, engine, lines } = await setup({ TELEGRAM_CHAT_IDS: "-1001" }, new MemoryArchive([digestOn("2025-05-01")]));
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    clock.set(SLOT);
    await engine.tick();
    expect(tg.received).toEqual([]);
    const note =
      "the latest digest (2025-05-01) is older than DELIVERY_DEADLINE_HOURS (12 h after its day ended) and is not sent as the day's post; /repost sends it on request";
    expect(lines.map((l) => l.msg)).toContain(`scheduled delivery waiting for a new digest: ${note}`);
    clock.set("2026-02-18T21:01:00Z");
    await engine.tick();
    expect(tg.received).toEqual([]);
    expect((await engine.status()).targets[0]?.lastDelivery).toMatchObject({
      status: "skipped",
      error: `no new digest within 12 h of the scheduled time; ${note}`,
    });
    // An explicit repost still sends it.
    expect((await engine.repost({ to: { platform: "telegram", id: "-1001" } })).messagesSent).toBeGreaterThan(0);
  });
});
