// Pins through the engine: only the day's header is pinned (never a one-section repost's), and unsubscribing unpins the header the bot pinned.
import { afterEach, describe, expect, it } from "vitest";
import type { PostOptions } from "../../../src/core/delivery/post-options.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness } from "./helpers.js";
import { PinningPublisher, RevisableArchive } from "./option-doubles.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
const TARGET = { platform: "telegram", id: "-1" } as const;

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  async function setup(options: PostOptions, env: Record<string, string> = {}) {
    h = harness({ POST_CRON: "0 9 * * *", ...env }, backend);
    const archive = new RevisableArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive, clock });
    const platform = new PinningPublisher();
    engine.registerPublisher(platform);
    await engine.subscribe(TARGET);
    await db.subscriptions.setOptions("telegram", "-1", options, "2026-02-17T12:00:00Z");
    clock.set(SLOT);
    await engine.tick();
    return { archive, clock, db, engine, platform };
  }

  it("a repost of one section leaves the day's pinned header pinned: no pin part, nothing unpinned", async () => {
    const { db, engine, platform } = await setup({ pin: true });
    expect(platform.pinCalls).toEqual([{ message: "m1" }]);
    const result = await engine.repost({ to: TARGET, sectionIndex: 2 });
    expect(result.messagesSent).toBeGreaterThan(0);
    expect(result.pending).toEqual([]);
    expect(platform.pinCalls).toEqual([{ message: "m1" }]);
    expect([...platform.pinned]).toEqual(["m1"]);
    expect((await db.subscriptions.get("telegram", "-1"))?.pinnedMessageId).toBe("m1");
    expect(Number((await column(db, `SELECT count(*) AS n FROM deliveries WHERE operation = 'pin' AND run_id = '${result.runId}'`))[0])).toBe(0);
  });

  it("a whole repost is the day's post again: its header is pinned in place of the earlier one", async () => {
    const { db, engine, platform } = await setup({ pin: true });
    const count = platform.received.length;
    await engine.repost({ to: TARGET });
    const header = `m${count + 1}`;
    expect(platform.pinCalls).toEqual([{ message: "m1" }, { message: header, unpin: "m1" }]);
    expect((await db.subscriptions.get("telegram", "-1"))?.pinnedMessageId).toBe(header);
  });

  it("a repost of an older day's digest pins nothing: today's header keeps the pin", async () => {
    const { archive, clock, db, engine, platform } = await setup({ pin: true });
    archive.put(digestOn("2026-02-19"));
    clock.set("2026-02-19T09:00:00Z");
    await engine.tick();
    const today = (await db.subscriptions.get("telegram", "-1"))!.pinnedMessageId!;
    expect(platform.pinCalls).toHaveLength(2);
    const old = await engine.repost({ to: TARGET, date: DAY });
    expect(old.messagesSent).toBeGreaterThan(0);
    expect(platform.pinCalls).toHaveLength(2);
    expect([...platform.pinned]).toEqual([today]);
    expect((await db.subscriptions.get("telegram", "-1"))?.pinnedMessageId).toBe(today);
  });

  describe("unsubscribing", () => {
    it("unpins the header the bot pinned and forgets it; a settings target stays listed, disabled", async () => {
      const { db, engine, platform } = await setup({ pin: true }, { TELEGRAM_CHAT_IDS: "-1001", DELIVERY_PIN: "true" });
      // The two targets are sent to side by side: which header got which id is not fixed.
      const pinnedHere = (await db.subscriptions.get("telegram", "-1"))!.pinnedMessageId!;
      expect(platform.received[Number(pinnedHere.slice(1)) - 1]!.target).toBe("-1");
      const command = await engine.unsubscribe(TARGET);
      expect(command).toEqual({ unpinned: pinnedHere });
      expect(await db.subscriptions.get("telegram", "-1")).toBeUndefined();

      const pinnedThere = (await db.subscriptions.get("telegram", "-1001"))!.pinnedMessageId!;
      expect(pinnedThere).toBeDefined();
      const settings = await engine.unsubscribe({ platform: "telegram", id: "-1001" });
      expect(settings).toEqual({ unpinned: pinnedThere });
      expect(platform.unpinCalls).toEqual([pinnedHere, pinnedThere]);
      expect([...platform.pinned]).toEqual([]);
      const after = await db.subscriptions.get("telegram", "-1001");
      expect(after).toMatchObject({ enabled: false, disabledReason: "unsubscribed by an admin" });
      expect(after).not.toHaveProperty("pinnedMessageId");
    });

    it("without the pin right: unsubscribed all the same, and the refusal is reported", async () => {
      const { db, engine, platform } = await setup({ pin: true });
      platform.unpinScript = [{ status: 403, message: "telegram unpinChatMessage in -1: not enough rights (400)" }];
      const result = await engine.unsubscribe(TARGET);
      expect(result).toEqual({ unpinError: "telegram unpinChatMessage in -1: not enough rights (400)" });
      expect(await db.subscriptions.get("telegram", "-1")).toBeUndefined();
      expect([...platform.pinned]).toEqual(["m1"]);
    });

    it("an unsubscribe made by another instance while this one's pin is on its way: the pin is undone once it lands", async () => {
      h = harness({ POST_CRON: "0 9 * * *" }, backend);
      const archive = new RevisableArchive([digestOn(DAY)]);
      const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
      const [dbA, dbB] = [await h.open(), await h.open()];
      const a = await h.engine({ db: dbA, archive, clock });
      const b = await h.engine({ db: dbB, archive, clock });
      const pinned = new Set<string>();
      let arrived!: () => void;
      const atPlatform = new Promise<void>((r) => (arrived = r));
      let release!: () => void;
      const answer = new Promise<void>((r) => (release = r));
      const platformA = new (class extends PinningPublisher {
        override async pin(target: string, message: string, options: { unpin?: string; signal: AbortSignal }) {
          arrived();
          await answer;
          return super.pin(target, message, options);
        }
      })({ pinned });
      const platformB = new PinningPublisher({ pinned });
      a.registerPublisher(platformA);
      b.registerPublisher(platformB);
      await a.subscribe(TARGET);
      await dbA.subscriptions.setOptions("telegram", "-1", { pin: true }, "2026-02-17T12:00:00Z");
      clock.set(SLOT);
      const tick = a.tick();
      await atPlatform;
      expect(await b.unsubscribe(TARGET)).toBe(true); // Nothing recorded as pinned yet: nothing for it to unpin.
      release();
      await tick;
      expect(platformA.pinCalls).toEqual([{ message: "m1" }]);
      expect(platformA.unpinCalls).toEqual(["m1"]);
      expect([...pinned]).toEqual([]);
      expect(await dbA.subscriptions.get("telegram", "-1")).toBeUndefined();
    });

    it("a target with nothing pinned, or not subscribed, makes no platform request", async () => {
      const { engine, platform } = await setup({});
      expect(await engine.unsubscribe(TARGET)).toBe(true);
      expect(await engine.unsubscribe(TARGET)).toBe(false);
      expect(platform.unpinCalls).toEqual([]);
    });
  });
});
