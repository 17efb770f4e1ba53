// Delivery options through the engine (#13): keyword filters, pins as ledger parts (crash, unpin, refusal), earlier message ids, environment defaults, revisions with the run's options.
import { afterEach, describe, expect, it } from "vitest";
import type { PostOptions } from "../../../src/core/delivery/post-options.js";
import { planTextDailyPost } from "../../../src/core/delivery/text-plan.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness, rows, ScriptedPublisher } from "./helpers.js";
import { PinningPublisher, RevisableArchive, storyTitles } from "./option-doubles.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  async function setup(env: Record<string, string> = {}) {
    h = harness({ POST_CRON: "0 9 * * *", ...env }, backend);
    const archive = new RevisableArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive, clock });
    const platform = new PinningPublisher();
    engine.registerPublisher(platform);
    await engine.subscribe({ platform: "telegram", id: "-1" });
    return { archive, clock, db, engine, platform };
  }
  const setOptions = (db: Storage, options: PostOptions) => db.subscriptions.setOptions("telegram", "-1", options, "2026-02-17T12:00:00Z");

  describe("keywords", () => {
    it("carries exactly the stories matching a keyword: model-name spellings, traditional Chinese, several words", async () => {
      const { clock, db, engine, platform } = await setup();
      await setOptions(db, { keywords: ["glm5", "開源", "sonnet 4.6"] });
      clock.set(SLOT);
      await engine.tick();
      expect(platform.plannedWith).toEqual([{ keywords: ["glm5", "開源", "sonnet 4.6"] }]);
      const texts = platform.received.map((s) => s.text);
      expect(storyTitles(texts, digestOn(DAY))).toEqual([
        "Anthropic 推出 Claude Sonnet 4.6：1M 上下文，逼近 Opus，成本与质量新权衡",
        "Qwen3.5-397B-A17B：阿里开源 397B MoE，多模态、百万上下文，对标 GPT‑5.2/Opus",
        "GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练",
        "OpenClaw 爆红也爆雷：强力多 Agent 框架，引发封号与安全争议",
        "DirectShell：把操作系统无障碍层变成“统一应用接口”，号称一键淘汰截图式 Agent",
        "Sonnet 4.6 快速铺货：Cursor、Perplexity、Windsurf、Cline 等开发工具全上线",
        "SpeakType：Mac 上完全本地的开源听写应用，Whisper 系列的又一实现",
      ]);
      // The header still lists the whole digest.
      const header = digestOn(DAY).sections.map((sec, i) => `${i + 1}. ${sec.title} · ${sec.stories.length} `);
      for (const line of header) expect(texts[0]).toContain(line);
      expect(await column(db, "SELECT options FROM runs")).toEqual([JSON.stringify({ keywords: ["glm5", "開源", "sonnet 4.6"] })]);
    });

    it("combines keywords with the section filter", async () => {
      const { clock, db, engine, platform } = await setup();
      await engine.subscribe({ platform: "telegram", id: "-1" }, [6]);
      await setOptions(db, { keywords: ["封號"] });
      clock.set(SLOT);
      await engine.tick();
      expect(storyTitles(platform.received.map((s) => s.text), digestOn(DAY))).toEqual(["OpenClaw + OAuth 引发封号：Anthropic 被指把第三方桌面 Agent 视作“逆向”"]);
    });

    it("sends nothing on a day nothing matches, records the skipped slot with the reason, and /status says so", async () => {
      const { clock, db, engine, platform } = await setup();
      await setOptions(db, { keywords: ["区块链", "claude code 2"] });
      clock.set(SLOT);
      await engine.tick();
      await engine.tick();
      expect(platform.attempts).toEqual([]);
      const note = `no story matches the keywords "区块链", "claude code 2" in the ${DAY} digest; nothing was sent`;
      expect(await rows(db, "SELECT outcome, note, digest_date AS date FROM runs")).toEqual([{ outcome: "skipped", note, date: DAY }]);
      const [target] = (await engine.status()).targets;
      expect(target).toMatchObject({ lastDelivery: { date: DAY, status: "skipped", error: note }, nothingMatched: { date: DAY, keywords: ["区块链", "claude code 2"] } });
    });

    it("/status names the keywords the skipped day had, not ones set since; the next day goes out with the new ones", async () => {
      const { archive, clock, db, engine, platform } = await setup();
      await setOptions(db, { keywords: ["区块链"] });
      clock.set(SLOT);
      await engine.tick();
      await setOptions(db, { keywords: ["agent"] });
      const [target] = (await engine.status()).targets;
      expect(target).toMatchObject({ options: { keywords: ["agent"] }, nothingMatched: { date: DAY, keywords: ["区块链"] } });
      archive.put(digestOn("2026-02-19"));
      clock.set("2026-02-19T09:00:00Z");
      await engine.tick();
      expect(platform.received.length).toBeGreaterThan(0);
      expect((await engine.status()).targets[0]).not.toHaveProperty("nothingMatched");
    });

    it("the engine refuses options it cannot carry out, whoever calls it, and stores nothing", async () => {
      const { db, engine } = await setup();
      const to = { platform: "telegram", id: "-1" } as const;
      await expect(engine.setOptions!(to, { keywords: ["agent", "🤖"] })).rejects.toThrowError('delivery: keywords: "🤖" has no word to search for and would never match a story');
      await expect(engine.setOptions!(to, { mode: "thread" })).rejects.toThrowError("delivery: mode is a discord option; this target is on telegram");
      expect((await db.subscriptions.get("telegram", "-1"))?.options).toBeUndefined();
    });

    it("a repost to the subscription applies its keywords; a repost of one section by name does not", async () => {
      const { db, engine, platform } = await setup();
      await setOptions(db, { keywords: ["区块链"], silent: true });
      const none = await engine.repost({ to: { platform: "telegram", id: "-1" } });
      expect(none).toMatchObject({ targets: 0, messagesSent: 0, unmatched: [{ platform: "telegram", id: "-1" }] });
      const section = await engine.repost({ to: { platform: "telegram", id: "-1" }, sectionIndex: 2 });
      expect(section.messagesSent).toBeGreaterThan(0);
      expect(platform.plannedWith).toEqual([{ silent: true }]);
      expect(storyTitles(platform.received.map((s) => s.text), digestOn(DAY))).toEqual(digestOn(DAY).sections[2]!.stories.map((s) => s.title));
    });
  });

  describe("pin", () => {
    it("pins the header once after the post is sent, then the next day's header, unpinning the previous one", async () => {
      const { archive, clock, db, engine, platform } = await setup();
      await setOptions(db, { pin: true });
      clock.set(SLOT);
      await engine.tick();
      const count = platform.received.length;
      expect(count).toBeGreaterThan(1);
      expect(platform.pinCalls).toEqual([{ message: "m1" }]);
      expect((await db.subscriptions.get("telegram", "-1"))?.pinnedMessageId).toBe("m1");
      expect(await column(db, "SELECT operation FROM deliveries ORDER BY part_index")).toEqual([...Array(count).fill("send"), "pin"]);
      await engine.tick();
      expect(platform.pinCalls).toHaveLength(1);
      archive.put(digestOn("2026-02-19"));
      clock.set("2026-02-19T09:00:00Z");
      await engine.tick();
      const header2 = `m${count + 1}`;
      expect(platform.received[count]!.text).toContain("2026-02-19");
      expect(platform.pinCalls).toEqual([{ message: "m1" }, { message: header2, unpin: "m1" }]);
      expect([...platform.pinned]).toEqual([header2]);
      expect((await db.subscriptions.get("telegram", "-1"))?.pinnedMessageId).toBe(header2);
      // A pin is no message: /status counts the post as sent, the repost reply counts messages only.
      expect((await engine.status()).targets[0]!.lastDelivery).toMatchObject({ status: "sent" });
    });

    it("a crash after the platform pinned but before it was recorded pins the same header again, never another, and counts no duplicate", async () => {
      const { clock, db, engine, platform } = await setup();
      await setOptions(db, { pin: true });
      await db.subscriptions.setPinned("telegram", "-1", "m0", "2026-02-17T12:00:00Z");
      platform.pinned.add("m0");
      platform.pinScript = ["pin-then-hang"];
      clock.set(SLOT);
      void engine.tick();
      for (let waited = 0; platform.pinCalls.length === 0; waited += 5) {
        if (waited > 5000) throw new Error("the pin was not reached within 5 s");
        await new Promise((r) => setTimeout(r, 5));
      }
      await db.close(); // The process dies with the pin part in flight.

      const db2 = await h.open();
      const engine2 = await h.engine({ db: db2, archive: new RevisableArchive([digestOn(DAY)]), clock });
      const again = new PinningPublisher({ received: platform.received, pinned: platform.pinned });
      engine2.registerPublisher(again);
      await engine2.tick();
      expect(again.attempts).toEqual([]); // Every message was sent before the crash: none again.
      expect(again.pinCalls).toEqual([{ message: "m1", unpin: "m0" }]);
      expect([...again.pinned]).toEqual(["m1"]);
      expect((await db2.subscriptions.get("telegram", "-1"))?.pinnedMessageId).toBe("m1");
      expect(await db2.ledger.possibleDuplicates()).toBe(0);
      await engine2.tick();
      expect(again.pinCalls).toHaveLength(1);
      await engine2.stop();
    });

    it("a pin refused for good (no permission) is recorded and shown, the post is complete and the subscription stays enabled", async () => {
      const { archive, clock, db, engine, platform } = await setup();
      await setOptions(db, { pin: true });
      platform.pinScript = [{ status: 403, message: "403 Forbidden: not enough rights to manage pinned messages in the chat" }];
      clock.set(SLOT);
      await engine.tick();
      const expected = planTextDailyPost(buildDailyPost(digestOn(DAY)), "en", 1500);
      expect(platform.received.map((s) => s.text)).toEqual(expected);
      const [target] = (await engine.status()).targets;
      expect(target).toMatchObject({
        enabled: true,
        lastDelivery: { status: "sent", pinError: "403 Forbidden: not enough rights to manage pinned messages in the chat" },
      });
      expect(target).not.toHaveProperty("disabledReason");
      // The next day goes out as usual (and tries to pin again).
      archive.put(digestOn("2026-02-19"));
      clock.set("2026-02-19T09:00:00Z");
      await engine.tick();
      expect(platform.received.length).toBe(expected.length * 2);
      expect(platform.pinCalls.map((c) => c.message)).toEqual(["m1", `m${expected.length + 1}`]);
    });

    it("plans no pin part for a platform that cannot pin", async () => {
      const { clock, db, engine } = await setup({});
      await setOptions(db, { pin: true });
      const noPin = new ScriptedPublisher("discord");
      engine.registerPublisher(noPin);
      await engine.subscribe({ platform: "discord", id: "123456" });
      await db.subscriptions.setOptions("discord", "123456", { pin: true }, "2026-02-17T12:00:00Z");
      clock.set(SLOT);
      await engine.tick();
      expect(noPin.received.length).toBeGreaterThan(0);
      expect(await column(db, "SELECT DISTINCT operation FROM deliveries WHERE platform = 'discord'")).toEqual(["send"]);
    });
  });

  it("gives every send the message ids of the earlier parts of its run and target", async () => {
    const { clock, engine, platform } = await setup();
    clock.set(SLOT);
    await engine.tick();
    const n = platform.received.length;
    expect(platform.earlier).toEqual(Array.from({ length: n }, (_, i) => Array.from({ length: i }, (_, k) => `m${k + 1}`)));
  });

  it("settings targets get the environment's defaults; a /subscribe target and its own options override them", async () => {
    const { clock, db, engine, platform } = await setup({ TELEGRAM_CHAT_IDS: "-1001", DELIVERY_SILENT: "true", TELEGRAM_LINK_PREVIEW: "true", DISCORD_POST_MODE: "thread" });
    await db.subscriptions.setOptions("telegram", "-1001", { linkPreview: false }, "2026-02-17T12:00:00Z");
    clock.set(SLOT);
    await engine.tick();
    const byTarget = new Map<string, PostOptions | undefined>();
    const runsOptions = await rows<{ target_id: string; options: string | null }>(db, "SELECT target_id, options FROM runs");
    for (const r of runsOptions) byTarget.set(r.target_id, r.options === null ? undefined : (JSON.parse(r.options) as PostOptions));
    expect(Object.fromEntries(byTarget)).toEqual({ "-1001": { silent: true }, "-1": undefined });
    expect(platform.plannedWith).toEqual(expect.arrayContaining([{ silent: true }, undefined]));
  });

  it("a revision re-plans with the run's keywords: a corrected matching story is edited, non-matching stories stay out", async () => {
    const { archive, clock, db, engine, platform } = await setup({ REVISION_QUIET_SECONDS: "0" });
    await setOptions(db, { keywords: ["glm5"] });
    await engine.start();
    clock.set(SLOT);
    await engine.tick();
    const before = platform.received.map((s) => s.text);
    // The subscription's keywords change afterwards: the delivered post keeps the ones it was planned with.
    await setOptions(db, { keywords: ["sonnet"] });
    const fixed = structuredClone(digestOn(DAY));
    fixed.sections[0]!.stories[2]!.title = "GLM‑5 技术报告（更正）：国产大模型强调 DSA、异步 RL 与 Agent 训练";
    fixed.sections[0]!.stories[0]!.title += "（更正）";
    archive.put(fixed);
    // Recorded, or (with no quiet period, on the tick the change itself asks for) already planned as a revision.
    const noted = async () =>
      (await column(db, "SELECT digest_date FROM revision_requests")).length + (await column(db, "SELECT digest_date FROM revisions")).length > 0;
    for (const started = Date.now(); !(await noted()); ) {
      if (Date.now() - started > 5000) throw new Error("the change was not recorded within 5 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    clock.set("2026-02-18T09:05:00Z");
    await engine.tick();
    expect(platform.edits.length).toBeGreaterThan(0);
    const shown = [...platform.shown.values()];
    expect(storyTitles(shown, fixed)).toEqual(["GLM‑5 技术报告（更正）：国产大模型强调 DSA、异步 RL 与 Agent 训练"]);
    expect(shown.length).toBe(before.length);
    expect(platform.plannedWith.at(-1)).toEqual({ keywords: ["glm5"] });
  });
});
