// Keyword filters and revisions through the engine: a revision leaving no story matching removes it, a skipped day a revision makes match is sent once.
import { afterEach, describe, expect, it } from "vitest";
import type { PostOptions } from "../../../src/core/delivery/post-options.js";
import { filterPostByKeywords } from "../../../src/core/delivery/keyword-filter.js";
import { planTextDailyPost } from "../../../src/core/delivery/text-plan.js";
import type { Digest } from "../../../src/core/digest/model.js";
import { planSkippedDay, skippedDays } from "../../../src/core/storage/skipped-days.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness, rows } from "./helpers.js";
import { PinningPublisher, RevisableArchive, storyTitles } from "./option-doubles.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
const GLM = "GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练";
const CHAIN = "区块链公司发布链上 Agent 结算协议";

/** The day's digest without its GLM‑5 story (the one `glm5` matches). */
function withoutGlm(): Digest {
  const d = structuredClone(digestOn(DAY));
  d.sections[0]!.stories = d.sections[0]!.stories.filter((s) => s.title !== GLM);
  return d;
}

/** The day's digest with a late story about 区块链 at the end of section 2. */
function withChainStory(title = CHAIN): Digest {
  const d = structuredClone(digestOn(DAY));
  const model = d.sections[1]!.stories[0]!;
  d.sections[1]!.stories.push({ ...model, id: "20260218-2-9", title, text: "一家区块链公司发布了结算协议。它面向 Agent 之间的小额支付。" });
  return d;
}

/** Small messages: the header is one, each story another. */
const LIMIT = 400;
/** The text messages a post of `digest` has with these keywords (as the scripted platform plans it). */
const planned = (digest: Digest, keywords: string[]) => planTextDailyPost(filterPostByKeywords(buildDailyPost(digest), digest, keywords), "en", LIMIT);

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  async function setup(options: PostOptions, env: Record<string, string> = {}) {
    h = harness({ POST_CRON: "0 9 * * *", REVISION_QUIET_SECONDS: "60", ...env }, backend);
    const archive = new RevisableArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive, clock });
    const platform = new PinningPublisher({ limit: LIMIT });
    engine.registerPublisher(platform);
    await engine.subscribe({ platform: "telegram", id: "-1" });
    await db.subscriptions.setOptions("telegram", "-1", options, "2026-02-17T12:00:00Z");
    await engine.start();
    clock.set(SLOT);
    await engine.tick();
    /** Saves a revised digest, then lets its quiet period pass (at `at`) and ticks (twice: a day planned by the revision is sent on the tick it asks for). */
    const revise = async (digest: Digest, at: string) => {
      const before = (await column(db, "SELECT due_at FROM revision_requests")).length;
      archive.put(digest);
      for (const started = Date.now(); (await column(db, "SELECT due_at FROM revision_requests")).length === before; ) {
        if (Date.now() - started > 5000) throw new Error("the change was not recorded within 5 s");
        await new Promise((r) => setTimeout(r, 5));
      }
      clock.set(at);
      await engine.tick();
      await engine.tick();
    };
    return { archive, clock, db, engine, platform, revise };
  }
  const messagesNow = (platform: PinningPublisher) => [...platform.shown.values()];
  const runOutcomes = (db: Storage) => rows(db, "SELECT outcome, note, digest_date AS date FROM runs ORDER BY :order");

  describe("a revision that leaves no story matching the run's keywords", () => {
    it("removes the story: the section messages are deleted and the header corrected, as for any removed story", async () => {
      const { db, engine, platform, revise } = await setup({ keywords: ["glm5"] });
      const delivered = messagesNow(platform);
      expect(storyTitles(delivered, digestOn(DAY))).toEqual([GLM]);
      expect(delivered).toEqual(planned(digestOn(DAY), ["glm5"]));
      expect(delivered.length).toBeGreaterThan(1);

      await revise(withoutGlm(), "2026-02-18T10:00:00Z");
      // What a post of the revised digest shows: the header (the whole digest, one story fewer), no story.
      const header = planTextDailyPost({ ...buildDailyPost(withoutGlm()), sections: [] }, "en", LIMIT);
      expect(messagesNow(platform)).toEqual(header);
      expect(platform.deletes).toEqual(["m2"]);
      expect(platform.edits.map((e) => e.id)).toEqual(["m1"]);
      expect(platform.received).toHaveLength(delivered.length); // Nothing posted.
      expect((await engine.status()).targets[0]!.lastRevision).toMatchObject({ revision: 1, edited: 1, sent: 0, deleted: 1, unchanged: 0, open: 0, failed: [] });
      expect(await db.ledger.possibleDuplicates()).toBe(0);
    });

    it("a later revision that makes the story match again sends its section after the header", async () => {
      const { platform, revise } = await setup({ keywords: ["glm5"] });
      await revise(withoutGlm(), "2026-02-18T10:00:00Z");
      await revise(digestOn(DAY), "2026-02-18T11:00:00Z");
      expect(messagesNow(platform)).toEqual(planned(digestOn(DAY), ["glm5"]));
      expect(storyTitles(messagesNow(platform), digestOn(DAY))).toEqual([GLM]);
    });
  });

  describe("a day skipped because no story matched", () => {
    it("is sent once a revision adds a matching story, with the keywords and pin it was skipped with, and only once", async () => {
      const { db, engine, platform, revise } = await setup({ keywords: ["区块链"], pin: true });
      expect(platform.attempts).toEqual([]);
      expect(await runOutcomes(db)).toEqual([{ outcome: "skipped", note: `no story matches the keywords "区块链" in the ${DAY} digest; nothing was sent`, date: DAY }]);

      await revise(withChainStory(), "2026-02-18T10:00:00Z");
      const post = planned(withChainStory(), ["区块链"]);
      expect(platform.received.map((s) => s.text)).toEqual(post);
      expect(storyTitles(post, withChainStory())).toEqual([CHAIN]);
      expect(platform.pinCalls).toEqual([{ message: "m1" }]);
      expect(await runOutcomes(db)).toEqual([{ outcome: "planned", note: null, date: DAY }]);
      const [target] = (await engine.status()).targets;
      expect(target).toMatchObject({ lastDelivery: { date: DAY, status: "sent" } });
      expect(target).not.toHaveProperty("nothingMatched");

      // Ticks and a later correction of that story never post the day again: they correct what was sent.
      await engine.tick();
      await revise(withChainStory(`${CHAIN}（更正）`), "2026-02-18T11:00:00Z");
      await engine.tick();
      expect(platform.received).toHaveLength(post.length);
      expect(storyTitles(messagesNow(platform), withChainStory(`${CHAIN}（更正）`))).toEqual([`${CHAIN}（更正）`]);
      expect(platform.pinCalls).toHaveLength(1);
    });

    it("a correction that comes while the day's post is still waiting to be sent (the platform failing) is made once it is sent", async () => {
      const { archive, clock, db, engine, platform, revise } = await setup({ keywords: ["区块链"] });
      platform.script = Array.from({ length: 1000 }, () => ({ status: 500 as const }));
      await revise(withChainStory(), "2026-02-18T10:00:00Z");
      expect(platform.received).toEqual([]);
      const corrected = withChainStory(`${CHAIN}（更正）`);
      // The first request is still there (its post is unsent): the change pushes its due time back.
      const before = JSON.stringify(await column(db, "SELECT due_at FROM revision_requests"));
      clock.set("2026-02-18T10:30:00Z");
      archive.put(corrected);
      for (const started = Date.now(); JSON.stringify(await column(db, "SELECT due_at FROM revision_requests")) === before; ) {
        if (Date.now() - started > 5000) throw new Error("the change was not recorded within 5 s");
        await new Promise((r) => setTimeout(r, 5));
      }
      clock.set("2026-02-18T11:00:00Z");
      await engine.tick();
      await engine.tick();
      expect(platform.received).toEqual([]);
      // The platform is back: the post goes out, then it is corrected to the digest as it is now.
      platform.script = [];
      clock.set("2026-02-18T11:01:00Z");
      await engine.tick();
      await engine.tick();
      expect(messagesNow(platform)).toEqual(planned(corrected, ["区块链"]));
    });

    it("is judged and sent with the subscription's keywords and options as they are now, not the ones it was skipped with", async () => {
      // Keywords changed to ones the revision's story does not match: the day stays skipped, nothing is posted.
      const dropped = await setup({ keywords: ["区块链"], pin: true });
      await dropped.db.subscriptions.setOptions("telegram", "-1", { keywords: ["量子计算"] }, "2026-02-18T09:30:00Z");
      await dropped.revise(withChainStory(), "2026-02-18T10:00:00Z");
      expect(dropped.platform.attempts).toEqual([]);
      expect(await column(dropped.db, "SELECT outcome FROM runs")).toEqual(["skipped"]);
      await h.cleanup();

      // Keywords changed to ones it matches, the pin turned off: the day goes out with those, unpinned.
      const changed = await setup({ keywords: ["区块链"], pin: true });
      await changed.db.subscriptions.setOptions("telegram", "-1", { keywords: ["结算协议"], pin: null }, "2026-02-18T09:30:00Z");
      await changed.revise(withChainStory(), "2026-02-18T10:00:00Z");
      expect(changed.platform.received.map((s) => s.text)).toEqual(planned(withChainStory(), ["结算协议"]));
      expect(changed.platform.pinCalls).toEqual([]);
      // Recorded with the run: a later correction re-plans it with them too.
      expect(await column(changed.db, "SELECT options FROM runs")).toEqual(['{"keywords":["结算协议"]}']);
    });

    it("of several slots of that day skipped for no match, the post goes out once", async () => {
      const { clock, db, engine, platform, revise } = await setup({ keywords: ["区块链"] }, { POST_CRON: "0 9,10 * * *" });
      clock.set("2026-02-18T10:00:00Z");
      await engine.tick();
      expect(await column(db, "SELECT outcome FROM runs")).toEqual(["skipped", "skipped"]);
      await revise(withChainStory(), "2026-02-18T10:30:00Z");
      expect(platform.received.map((s) => s.text)).toEqual(planned(withChainStory(), ["区块链"]));
      expect(await column(db, "SELECT outcome FROM runs ORDER BY slot")).toEqual(["skipped", "planned"]);
      clock.set("2026-02-18T10:31:00Z");
      await engine.tick();
      expect(platform.received).toHaveLength(planned(withChainStory(), ["区块链"]).length);
    });

    it("stays skipped when the revision comes after DELIVERY_DEADLINE_HOURS of its slot, or the subscription was disabled", async () => {
      const late = await setup({ keywords: ["区块链"] });
      await late.revise(withChainStory(), "2026-02-18T21:01:00Z"); // 12 h and a minute after the slot.
      expect(late.platform.attempts).toEqual([]);
      expect(await column(late.db, "SELECT outcome FROM runs")).toEqual(["skipped"]);
      await h.cleanup();

      const off = await setup({ keywords: ["区块链"] });
      await off.engine.unsubscribe({ platform: "telegram", id: "-1" });
      await off.revise(withChainStory(), "2026-02-18T10:00:00Z");
      expect(off.platform.attempts).toEqual([]);
    });

    it("stays skipped when the target unsubscribed and subscribed again since: that day was the old subscription's", async () => {
      const { clock, db, engine, platform, revise } = await setup({ keywords: ["区块链"], pin: true });
      clock.set("2026-02-18T09:30:00Z");
      await engine.unsubscribe({ platform: "telegram", id: "-1" });
      await engine.subscribe({ platform: "telegram", id: "-1" });
      await revise(withChainStory(), "2026-02-18T10:00:00Z");
      expect(platform.attempts).toEqual([]);
      expect(await column(db, "SELECT outcome FROM runs")).toEqual(["skipped"]);
    });

    it("is planned by one instance only: a second attempt on the same skipped slot plans nothing", async () => {
      const { db } = await setup({ keywords: ["区块链"] });
      const [day] = await skippedDays(db.db, DAY, "no story matches the keywords");
      expect(day).toMatchObject({ platform: "telegram", targetId: "-1", slot: "2026-02-18T09:00:00.000Z", options: { keywords: ["区块链"] } });
      const plan = { sections: "all" as const, payloads: ["header", "section"], now: "2026-02-18T10:00:00Z" };
      expect(await planSkippedDay(db.db, db.dialect, day!, plan)).toBe(true);
      expect(await planSkippedDay(db.db, db.dialect, day!, plan)).toBe(false);
      expect(await column(db, "SELECT payload FROM deliveries ORDER BY part_index")).toEqual(['"header"', '"section"']);
      expect(await skippedDays(db.db, DAY, "no story matches the keywords")).toEqual([]);
    });
  });
});
