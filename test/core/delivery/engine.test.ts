// The delivery engine's schedule, catch-up, late digests, deadline, reposts, subscriptions, section filters and status.
import { afterEach, describe, expect, it } from "vitest";
import { createDeliveryEngine, DeliveryError } from "../../../src/core/delivery/engine.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import { testBackends } from "../storage/backends.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { digestOn, FakeClock, harness, MemoryArchive, recordingLogger, rows, ScriptedPublisher } from "./helpers.js";

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

const plan = (date: string, sections?: number[]) => new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(date), sections));
const runs = (db: Storage) => rows(db, "SELECT kind, platform, target_id AS target, digest_date AS date, outcome, note FROM runs ORDER BY created_at, :order");

describe.each(testBackends())("on %s", (backend) => {
  describe("schedule", () => {
    it("delivers the latest digest at the scheduled time in the target's zone, once", async () => {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001", POST_TIMEZONE: "Asia/Shanghai" }, backend);
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      const engine = await h.engine({ db: await h.open(), archive: new MemoryArchive([digestOn("2026-02-18")]), clock });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      clock.set("2026-02-18T00:59:00Z"); // 08:59 in Shanghai
      await engine.tick();
      expect(tg.received).toEqual([]);
      clock.set("2026-02-18T01:00:00Z"); // 09:00 in Shanghai
      await engine.tick();
      expect(tg.received.map((s) => s.text)).toEqual(plan("2026-02-18"));
      clock.set("2026-02-18T01:30:00Z");
      await engine.tick();
      expect(tg.received).toHaveLength(plan("2026-02-18").length);
    });

    it("honours a per-subscription schedule across time zones and a DST change", async () => {
      h = harness({ POST_TIMEZONE: "Asia/Shanghai" }, backend);
      const archive = new MemoryArchive([digestOn("2026-03-07")]);
      const clock = new FakeClock(new Date("2026-03-06T16:00:00Z")); // after both zones' 09:00 that day
      const engine = await h.engine({ db: await h.open(), archive, clock });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      await engine.subscribe({ platform: "telegram", id: "shanghai" });
      await engine.subscribe({ platform: "telegram", id: "newyork" });
      await engine.setSchedule({ platform: "telegram", id: "newyork" }, { timezone: "America/New_York" });
      await expect(engine.setSchedule({ platform: "telegram", id: "newyork" }, { cron: "0 25 * * *" })).rejects.toBeInstanceOf(DeliveryError);
      await expect(engine.setSchedule({ platform: "telegram", id: "newyork" }, { cron: "0 25 * * *" })).rejects.toThrow(
        'schedule: "0 25 * * *" is not a valid cron expression; use five fields like "0 9 * * *"',
      );
      const targets = () => [...new Set(tg.received.map((s) => s.target))];
      clock.set("2026-03-07T01:00:00Z"); // 09:00 Shanghai, 20:00 EST the day before
      await engine.tick();
      expect(targets()).toEqual(["shanghai"]);
      clock.set("2026-03-07T13:59:00Z");
      await engine.tick();
      expect(targets()).toEqual(["shanghai"]);
      clock.set("2026-03-07T14:00:00Z"); // 09:00 EST
      await engine.tick();
      expect(targets()).toEqual(["shanghai", "newyork"]);
      // After the spring-forward on 2026-03-08, 09:00 in New York is 13:00Z.
      archive.add(digestOn("2026-03-09"));
      clock.set("2026-03-09T12:59:00Z");
      await engine.tick();
      expect(tg.received.filter((s) => s.target === "newyork" && s.text.includes("2026-03-09"))).toEqual([]);
      clock.set("2026-03-09T13:00:00Z");
      await engine.tick();
      expect(tg.received.filter((s) => s.target === "newyork" && s.text.includes("2026-03-09")).length).toBeGreaterThan(0);
      const status = await engine.status();
      expect(status.targets.find((t) => t.targetId === "newyork")).toMatchObject({
        cron: "0 9 * * *",
        timezone: "America/New_York",
        nextRun: "2026-03-10T13:00:00.000Z",
      });
    });

    it("delivers a late digest as soon as it appears, within the deadline", async () => {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001" }, backend);
      const archive = new MemoryArchive([digestOn("2026-02-17")]);
      const clock = new FakeClock(new Date("2026-02-16T12:00:00Z"));
      const engine = await h.engine({ db: await h.open(), archive, clock });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      clock.set("2026-02-17T09:00:00Z");
      await engine.start();
      const yesterday = tg.received.length;
      expect(yesterday).toBe(plan("2026-02-17").length);
      clock.set("2026-02-18T09:00:00Z");
      await engine.tick(); // today's digest is not there yet: wait
      expect(tg.received).toHaveLength(yesterday);
      clock.set("2026-02-18T11:30:00Z");
      archive.add(digestOn("2026-02-18"));
      await engine.tick(); // the archive event already queued one; either way it goes out once
      expect(tg.received.slice(yesterday).map((s) => s.text)).toEqual(plan("2026-02-18"));
      await engine.stop();
    });

    it("skips with a log line when no new digest arrives by the deadline, and sends the late one at the next slot", async () => {
      // 10 h: at the next 09:00 the late digest's day ended 9 h before, so it is still within the deadline rule.
      h = harness({ TELEGRAM_CHAT_IDS: "-1001", DELIVERY_DEADLINE_HOURS: "10" }, backend);
      const archive = new MemoryArchive([digestOn("2026-02-17")]);
      const clock = new FakeClock(new Date("2026-02-17T08:00:00Z"));
      const { logger, messages } = recordingLogger();
      const db = await h.open();
      const engine = await h.engine({ db, archive, clock, logger });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      clock.set("2026-02-17T09:00:00Z");
      await engine.tick();
      const sent = tg.received.length;
      clock.set("2026-02-18T19:01:00Z"); // more than 10 h after 09:00
      await engine.tick();
      expect(messages()).toContain("scheduled delivery skipped: no new digest within 10 h of the scheduled time");
      archive.add(digestOn("2026-02-18"));
      clock.set("2026-02-18T20:00:00Z");
      await engine.tick();
      expect(tg.received).toHaveLength(sent);
      clock.set("2026-02-19T09:00:00Z");
      await engine.tick();
      expect(tg.received.slice(sent).map((s) => s.text)).toEqual(plan("2026-02-18"));
      expect((await engine.status()).targets[0]?.lastDelivery).toMatchObject({ date: "2026-02-18", status: "sent" });
      expect((await runs(db)).map((r) => (r as { outcome: string }).outcome)).toEqual(["planned", "skipped", "planned"]);
    });

    it("catches up a missed delivery once on start, within the deadline", async () => {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001" }, backend);
      const archive = new MemoryArchive([digestOn("2026-02-18")]);
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      const db1 = await h.open();
      await h.engine({ db: db1, archive, clock }); // the bot ran yesterday (subscription known), then went down
      await db1.close();
      clock.set("2026-02-18T14:00:00Z"); // 5 h after the 09:00 slot
      const tg = new ScriptedPublisher("telegram");
      for (let restart = 0; restart < 3; restart++) {
        const engine = await h.engine({ db: await h.open(), archive, clock });
        engine.registerPublisher(tg);
        await engine.start();
        await engine.stop();
      }
      expect(tg.received.map((s) => s.text)).toEqual(plan("2026-02-18"));
    });

    it("does not catch up past the deadline, and says so", async () => {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001" }, backend);
      const archive = new MemoryArchive([digestOn("2026-02-18")]);
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      await h.engine({ db: await h.open(), archive, clock });
      clock.set("2026-02-18T22:00:00Z"); // 13 h after 09:00
      const { logger, messages } = recordingLogger();
      const engine = await h.engine({ db: await h.open(), archive, clock, logger });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      await engine.start();
      await engine.stop();
      expect(tg.received).toEqual([]);
      expect(messages()).toContain(
        "scheduled delivery skipped: missed by more than 12 h (the bot was not running); 2026-02-18 not sent",
      );
    });

    it("waits for a platform's publisher before delivering there", async () => {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001", DISCORD_CHANNEL_IDS: "123456" }, backend);
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      const engine = await h.engine({ db: await h.open(), archive: new MemoryArchive([digestOn("2026-02-18")]), clock });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      expect(() => engine.registerPublisher(new ScriptedPublisher("telegram"))).toThrow(
        new DeliveryError("delivery: a telegram publisher is already registered; register one per platform"),
      );
      clock.set("2026-02-18T09:00:00Z");
      await engine.tick();
      expect(tg.received.length).toBeGreaterThan(0);
      const dc = new ScriptedPublisher("discord");
      engine.registerPublisher(dc);
      await engine.tick();
      expect(dc.received.map((s) => s.text)).toEqual(plan("2026-02-18"));
    });
  });

  describe("repost, subscriptions and status", () => {
    async function twoTargets() {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001" }, backend);
      const clock = new FakeClock(new Date("2026-02-18T12:00:00Z"));
      const db = await h.open();
      const archive = new MemoryArchive([digestOn("2026-02-17"), digestOn("2026-02-18")]);
      const engine = await h.engine({ db, archive, clock });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      await engine.subscribe({ platform: "telegram", id: "-1002" }, [1]);
      return { clock, db, engine, tg };
    }

    it("reposts a digest to the asking target as a new explicit run", async () => {
      const { db, engine, tg } = await twoTargets();
      const first = await engine.repost({ date: "2026-02-17", to: { platform: "telegram", id: "-1005" }, requestedBy: "telegram:42" });
      const second = await engine.repost({ date: "2026-02-17", to: { platform: "telegram", id: "-1005" } });
      const n = plan("2026-02-17").length;
      expect(first).toEqual({ runId: expect.stringMatching(/^r20260217-[0-9a-f]{8}$/), targets: 1, messagesSent: n, pending: [] });
      expect(second.runId).not.toBe(first.runId);
      expect(tg.received.map((s) => s.text)).toEqual([...plan("2026-02-17"), ...plan("2026-02-17")]);
      expect(new Set(tg.received.map((s) => s.key)).size).toBe(2 * n);
      expect(await runs(db)).toEqual([
        { kind: "repost", platform: "telegram", target: "-1005", date: "2026-02-17", outcome: "planned", note: null },
        { kind: "repost", platform: "telegram", target: "-1005", date: "2026-02-17", outcome: "planned", note: null },
      ]);
    });

    it("reposts one section, or the whole digest to every subscription with each one's section filter", async () => {
      const { engine, tg } = await twoTargets();
      const one = await engine.repost({ sectionIndex: 2, to: { platform: "telegram", id: "-1001" } });
      expect(tg.received.map((s) => s.text)).toEqual(plan("2026-02-18", [2]));
      expect(one.messagesSent).toBe(plan("2026-02-18", [2]).length);
      tg.received.length = 0;
      const all = await engine.repost({ to: "all-subscriptions" });
      expect(all.targets).toBe(2);
      expect(tg.received.filter((s) => s.target === "-1001").map((s) => s.text)).toEqual(plan("2026-02-18"));
      const filtered = tg.received.filter((s) => s.target === "-1002").map((s) => s.text);
      expect(filtered).toEqual(plan("2026-02-18", [1]));
      expect(filtered.join("\n")).toContain("== 2. Agent 与工具链 ==");
      expect(filtered.join("\n")).not.toContain("== 1. 模型与能力 ==");
    });

    it("reports what is left pending and refuses bad requests with the fix", async () => {
      const { engine, tg } = await twoTargets();
      tg.script = [{ status: 500 }, { status: 500 }, { status: 500 }];
      const result = await engine.repost({ to: { platform: "telegram", id: "-1001" } });
      expect(result.pending).toEqual([{ target: { platform: "telegram", id: "-1001" }, error: "500 Internal Server Error" }]);
      await expect(engine.repost({ date: "2026-01-01", to: "all-subscriptions" })).rejects.toThrow("delivery: there is no digest for 2026-01-01");
      await expect(engine.repost({ sectionIndex: 9, to: "all-subscriptions" })).rejects.toThrow(
        "delivery: the 2026-02-18 digest has sections 1–7; got 10",
      );
      await expect(engine.repost({ to: { platform: "discord", id: "1" } })).rejects.toThrow(
        "delivery: no discord publisher is running; set DISCORD_TOKEN to deliver there",
      );
    });

    it("subscribes with a section filter, unsubscribes, and shows it all in status", async () => {
      const { clock, engine, tg } = await twoTargets();
      clock.set("2026-02-19T09:00:00Z");
      await engine.tick();
      let status = await engine.status();
      expect(status.nextRun).toBe("2026-02-20T09:00:00.000Z");
      expect(status.targets).toEqual([
        expect.objectContaining({ platform: "telegram", targetId: "-1001", enabled: true, cron: "0 9 * * *", timezone: "UTC", nextRun: "2026-02-20T09:00:00.000Z" }),
        expect.objectContaining({ targetId: "-1002", sections: ["Agent 与工具链"], lastDelivery: expect.objectContaining({ date: "2026-02-18", status: "sent" }) }),
      ]);
      expect(tg.received.filter((s) => s.target === "-1002").map((s) => s.text)).toEqual(plan("2026-02-18", [1]));
      expect(await engine.unsubscribe({ platform: "telegram", id: "-1002" })).toBe(true);
      expect(await engine.unsubscribe({ platform: "telegram", id: "-1002" })).toBe(false);
      // A settings target stays listed, disabled with the reason, so a restart does not bring it back.
      expect(await engine.unsubscribe({ platform: "telegram", id: "-1001" })).toBe(true);
      status = await engine.status();
      expect(status.targets).toEqual([expect.objectContaining({ targetId: "-1001", enabled: false, disabledReason: "unsubscribed by an admin" })]);
      expect(status.nextRun).toBeUndefined();
    });
  });

  describe("start and stop", () => {
    it("starts with the real cron trigger and stops cleanly, taking no more work", async () => {
      h = harness({ TELEGRAM_CHAT_IDS: "-1001" }, backend);
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      const archive = new MemoryArchive([digestOn("2026-02-17")]);
      const engine = createDeliveryEngine({ storage: await h.open(), archive, config: h.config, logger: recordingLogger().logger, clock: clock.read });
      const tg = new ScriptedPublisher("telegram");
      engine.registerPublisher(tg);
      await engine.start();
      await expect(engine.start()).rejects.toThrow("delivery: start() was called twice");
      await engine.stop();
      clock.set("2026-02-18T09:00:00Z");
      archive.add(digestOn("2026-02-18"));
      await engine.tick();
      expect(tg.received).toEqual([]);
      await expect(engine.repost({ to: "all-subscriptions" })).rejects.toThrow(
        "delivery: the bot is shutting down; try again after it restarts",
      );
    });
  });
});
